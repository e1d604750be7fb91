#!/usr/bin/env bash
# Installs pinned CLI tools for linux-amd64 into $TOOLS_DIR (default $RUNNER_TEMP/tools), each checked
# against the checksum file its own release publishes, and adds them to $GITHUB_PATH.
#   usage: install-tools.sh <talosctl|cilium|helm|pulumi|kubectl|hubble>...
# Each version is a release its project publishes (test/workflows.test.ts keeps the release lists,
# with where each came from). Checksum files, all in `sha256sum` format ("<sha256>  <file name>"):
#   talosctl  github.com/siderolabs/talos/releases/download/<v>/sha256sum.txt, one line per asset
#             (talos .github/workflows/ci.yaml at v1.13.9, step "Generate Checksums").
#   cilium    github.com/cilium/cilium-cli/releases/download/<v>/cilium-linux-amd64.tar.gz.sha256sum
#             (cilium-cli Makefile target local-release at v0.19.7).
#   helm      get.helm.sh/helm-<v>-linux-amd64.tar.gz.sha256sum (helm Makefile target checksum at v3.21.4;
#             get.helm.sh is where helm's own scripts/get-helm-3 downloads from).
#   pulumi    get.pulumi.com/releases/sdk/pulumi-<v>-checksums.txt, one line per archive (pulumi
#             .github/workflows/sign.yml "Checksums with SHA256"; the URLs are those of pulumi/docs
#             data/versions.json).
#   kubectl   dl.k8s.io/release/<v>/bin/linux/amd64/kubectl.sha256, the bare digest of the binary beside
#             it (kubernetes.io/docs/tasks/tools/install-kubectl-linux, "Validate the binary"); it is
#             written out as a sha256sum line before the check.
#   hubble    github.com/cilium/hubble/releases/download/<v>/hubble-linux-amd64.tar.gz.sha256sum
#             (hubble Makefile target local-release at v1.19.4).
# kubectl and hubble are run by the agent roll's commands during every `pulumi up` (README, "The
# agent roll"); kubectl also drains nodes before the Talos upgrades and reboots.
set -euo pipefail

TALOSCTL_VERSION=v1.13.9
CILIUM_CLI_VERSION=v0.19.7
HELM_VERSION=v3.21.4
PULUMI_VERSION=3.270.0
KUBECTL_VERSION=v1.36.3
HUBBLE_VERSION=v1.19.4

tools_dir=${TOOLS_DIR:-${RUNNER_TEMP:?}/tools}
bin="$tools_dir/bin"
dl="$tools_dir/download"
mkdir -p "$bin" "$dl"

fetch() { # <url> <file>
  curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$2" "$1"
}

# Checks <file> against its line in a sha256sum-format list (entries may carry a leading * or a path).
verify() { # <file in $dl> <checksum list in $dl>
  local want
  want=$(awk -v f="$1" '{ n = $2; sub(/^\*/, "", n); sub(/^.*\//, "", n) } n == f { print $1; exit }' "$dl/$2")
  if ! [[ "$want" =~ ^[0-9a-f]{64}$ ]]; then
    echo "::error::install-tools: $2 has no sha256 for $1" >&2
    return 1
  fi
  if ! (cd "$dl" && echo "$want  $1" | sha256sum --check --strict --quiet); then
    echo "::error::install-tools: $1 does not match the sha256 its release publishes in $2" >&2
    return 1
  fi
  echo "verified $1 sha256 $want ($2)"
}

install_talosctl() {
  local base="https://github.com/siderolabs/talos/releases/download/${TALOSCTL_VERSION}"
  fetch "$base/talosctl-linux-amd64" "$dl/talosctl-linux-amd64"
  fetch "$base/sha256sum.txt" "$dl/talos-sha256sum.txt"
  verify talosctl-linux-amd64 talos-sha256sum.txt
  install -m 0755 "$dl/talosctl-linux-amd64" "$bin/talosctl"
}

install_cilium() {
  local f=cilium-linux-amd64.tar.gz
  local base="https://github.com/cilium/cilium-cli/releases/download/${CILIUM_CLI_VERSION}"
  fetch "$base/$f" "$dl/$f"
  fetch "$base/$f.sha256sum" "$dl/$f.sha256sum"
  verify "$f" "$f.sha256sum"
  tar -xzf "$dl/$f" -C "$bin" cilium
}

install_helm() {
  local f="helm-${HELM_VERSION}-linux-amd64.tar.gz"
  fetch "https://get.helm.sh/$f" "$dl/$f"
  fetch "https://get.helm.sh/$f.sha256sum" "$dl/$f.sha256sum"
  verify "$f" "$f.sha256sum"
  tar -xzf "$dl/$f" -C "$dl" linux-amd64/helm
  install -m 0755 "$dl/linux-amd64/helm" "$bin/helm"
}

install_pulumi() {
  local f="pulumi-v${PULUMI_VERSION}-linux-x64.tar.gz"
  local base="https://get.pulumi.com/releases/sdk"
  fetch "$base/$f" "$dl/$f"
  fetch "$base/pulumi-${PULUMI_VERSION}-checksums.txt" "$dl/pulumi-checksums.txt"
  verify "$f" pulumi-checksums.txt
  # The archive holds pulumi/: the CLI and its language hosts (pulumi-language-nodejs among them).
  tar -xzf "$dl/$f" -C "$dl"
  cp -a "$dl/pulumi/." "$bin/"
}

install_kubectl() {
  local base="https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64"
  fetch "$base/kubectl" "$dl/kubectl"
  fetch "$base/kubectl.sha256" "$dl/kubectl.sha256"
  printf '%s  kubectl\n' "$(tr -d '[:space:]' <"$dl/kubectl.sha256")" >"$dl/kubectl.sha256sum"
  verify kubectl kubectl.sha256sum
  install -m 0755 "$dl/kubectl" "$bin/kubectl"
}

install_hubble() {
  local f=hubble-linux-amd64.tar.gz
  local base="https://github.com/cilium/hubble/releases/download/${HUBBLE_VERSION}"
  fetch "$base/$f" "$dl/$f"
  fetch "$base/$f.sha256sum" "$dl/$f.sha256sum"
  verify "$f" "$f.sha256sum"
  tar -xzf "$dl/$f" -C "$bin" hubble
}

if [ "$#" -eq 0 ]; then
  echo "usage: install-tools.sh <talosctl|cilium|helm|pulumi|kubectl|hubble>..." >&2
  exit 2
fi
for tool in "$@"; do
  case "$tool" in
    talosctl | cilium | helm | pulumi | kubectl | hubble) "install_$tool" ;;
    *) echo "install-tools: unknown tool \"$tool\" (talosctl, cilium, helm, pulumi, kubectl, hubble)" >&2; exit 2 ;;
  esac
done
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$bin" >> "$GITHUB_PATH"
fi
