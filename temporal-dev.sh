#!/bin/sh
# A persistent Temporal dev server for evalflow: gRPC on 7233, web UI on http://localhost:8233,
# workflows kept in .evalflow/temporal-dev.db across restarts, evalflow's search attributes registered.
# Then, in other shells:
#   TEMPORAL_ADDRESS=127.0.0.1:7233 npx evalflow worker
#   TEMPORAL_ADDRESS=127.0.0.1:7233 npx evalflow submit configs/suites/phase1.yaml
# If the temporal CLI is missing, this says how to install it (or run: sh scripts/ensure-temporal.sh).
set -eu
root="$(cd "$(dirname "$0")" && pwd)"
node_bin="$root/node_modules/.bin/node"
[ -x "$node_bin" ] || node_bin=node
exec "$node_bin" "$root/client/cli/bin.ts" dev-server --db "$root/.evalflow/temporal-dev.db" "$@"
