#!/usr/bin/env node
// The operator CLI (`npx latchkey`, `npm run cli --`): runs the compiled apps/cli from dist/.
const fs = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');

if (!fs.existsSync(entry)) {
  console.error('latchkey: the CLI is not built yet; run `npm run build` first.');
  process.exit(1);
}
require(entry);
