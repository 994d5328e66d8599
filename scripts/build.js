#!/usr/bin/env node
/**
 * Builds every service into dist/: TypeScript → CommonJS with tsc, path aliases
 * (@latchkey/*) rewritten to relative requires by tsc-alias, and one entry file per service at
 * dist/apps/<service>/main.js (what the image and `npm run start:<service>` run).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run(bin('tsc'), ['-p', 'tsconfig.build.json']);
run(bin('tsc-alias'), ['-p', 'tsconfig.build.json']);

for (const app of ['gateway', 'token', 'client-registry', 'audit', 'embedded', 'cli']) {
  const entry = path.join(root, 'dist', 'apps', app, 'main.js');
  if (!fs.existsSync(path.join(root, 'dist', 'apps', app, 'src', 'main.js'))) continue;
  fs.writeFileSync(entry, `'use strict';\nrequire('./src/main');\n`);
}
