#!/usr/bin/env bash
# `npm run bench`: benchmarks on demand (not run by CI). Prints tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t build --outputStyle=static
if [[ "${1:-}" == "mixed" ]]; then
  shift
  node bench/dist/mixed-run.js "$@"
else
  node bench/dist/bounce-parse-bench.js
  node bench/dist/pipeline-bench.js "$@"
fi
