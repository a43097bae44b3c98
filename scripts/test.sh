#!/usr/bin/env bash
# `npm test`: provision what is missing, build, check types and lint, run every test against real
# PostgreSQL, Redis, Dovecot and an SMTP sink. Each test file makes its own database, Redis prefix,
# Dovecot instance and ports, and removes them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
npx nx run-many -t build --outputStyle=static --skipNxCache
npx tsc -p tsconfig.json
npx eslint .
npx prettier --check . >/dev/null || { echo "prettier: files need formatting (npm run format)"; npx prettier --list-different .; exit 1; }
npx vitest run "$@"
