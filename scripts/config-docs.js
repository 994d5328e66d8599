#!/usr/bin/env node
// `npm run docs:config`: write README.md's configuration table from the environment schema
// (libs/config/src/env.docs.ts), between <!-- config:begin --> and <!-- config:end -->.
const fs = require('node:fs');
const path = require('node:path');
const { ensureBuilt } = require('./ensure-built');
const { root } = require('./services');

ensureBuilt();
const { withConfigTable } = require(path.join(root, 'dist', 'libs', 'config', 'src', 'env.docs'));
const readmePath = path.join(root, 'README.md');
const before = fs.readFileSync(readmePath, 'utf8');
const after = withConfigTable(before);
if (after === before) {
  console.error('README.md: configuration table already up to date');
} else {
  fs.writeFileSync(readmePath, after);
  console.error('README.md: configuration table written');
}
