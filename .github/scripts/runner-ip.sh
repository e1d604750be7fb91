#!/usr/bin/env bash
# Finds this runner's public egress IPv4 address and exports it as DEPLOY_RUNNER_IP (through
# $GITHUB_ENV) for a stack with runnerAccess "runner-ip": the program adds it as a /32 to the
# firewall's 6443 and 50000 rules for this run (contract 2). GitHub-hosted runners have no fixed
# address (docs.github.com, "About GitHub-hosted runners": IP addresses), so it is asked of two
# independent echo services, https://api.ipify.org (ipify: the caller's public IPv4 as plain text)
# and https://checkip.amazonaws.com (AWS), and must be the same, valid IPv4 address from both: one
# wrong or hijacked answer cannot open the firewall to someone else.
set -euo pipefail
ask() {
  curl --proto '=https' --tlsv1.2 -fsS --max-time 10 --retry 3 "$1" | tr -d '[:space:]'
}
valid_ipv4() {
  [[ "$1" =~ ^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$ ]]
}
a=$(ask https://api.ipify.org) || a=""
b=$(ask https://checkip.amazonaws.com) || b=""
if ! valid_ipv4 "$a" || [ "$a" != "$b" ]; then
  echo "::error::runner-ip: the two services disagree or gave no IPv4 address (api.ipify.org: \"$a\", checkip.amazonaws.com: \"$b\"); not opening the firewall" >&2
  exit 1
fi
echo "runner egress address: $a"
echo "DEPLOY_RUNNER_IP=$a" >> "${GITHUB_ENV:?}"
