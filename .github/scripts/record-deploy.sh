#!/usr/bin/env bash
# Writes a deploy record: the annotated tag deployed/<stack>/<run id>.<attempt> on the commit a deploy
# ran, subject "deploy <stack> <success|failure>", tagger date = now (when the deploy and its health
# gate ended). tools/knobs-git.ts reads these records: `--base deployed` compares each stack with its
# last successful deploy, and the soak gate counts ci's hold of a value from the deploy that started it.
#   usage: record-deploy.sh <ci|prod> <success|failure> <commit>
#   env:   GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT (the tag name), GITHUB_SERVER_URL, GITHUB_REPOSITORY (the
#          run's address in the message); PUSH_RECORD=1 pushes the tag to origin.
set -euo pipefail
stack=${1:-}
outcome=${2:-}
commit=${3:-}
case "$stack" in
  ci | prod) ;;
  *) echo "record-deploy: stack \"$stack\" is not ci or prod" >&2; exit 2 ;;
esac
case "$outcome" in
  success | failure) ;;
  *) echo "record-deploy: outcome \"$outcome\" is not success or failure" >&2; exit 2 ;;
esac
if ! sha=$(git rev-parse --verify --quiet "${commit}^{commit}"); then
  echo "record-deploy: \"$commit\" is not a commit in this repository" >&2
  exit 2
fi
tag="deployed/${stack}/${GITHUB_RUN_ID:?}.${GITHUB_RUN_ATTEMPT:?}"
run="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID}/attempts/${GITHUB_RUN_ATTEMPT}"
git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
  tag -a "$tag" -m "deploy ${stack} ${outcome}" -m "run: ${run}" "$sha"
if [ "${PUSH_RECORD:-}" = "1" ]; then
  git push origin "refs/tags/${tag}"
fi
echo "recorded ${tag}: deploy ${stack} ${outcome} of ${sha}"
