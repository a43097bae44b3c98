#!/usr/bin/env bash
# `npm run demo`: the main job on sample mail, end to end on real parts (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t build --outputStyle=static
node tools/dist/twe.js demo "$@"
