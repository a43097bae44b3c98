#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript, built to tools/dist by `npm run build`.
require('../dist/twe.js');
