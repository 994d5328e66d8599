#!/usr/bin/env node
// `npm run migrate`: apply every service's migrations (each to its own schema), then exit.
const { execFileSync } = require('node:child_process');
const { SERVICES, entryOf, root } = require('./services');

for (const service of SERVICES) {
  console.error(`migrating ${service}...`);
  execFileSync(process.execPath, [entryOf(service), 'migrate'], { cwd: root, stdio: 'inherit' });
}
