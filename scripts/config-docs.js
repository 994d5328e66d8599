#!/usr/bin/env node
// `npm run docs:config`: write the configuration table of README.md and docs/operations.md from
// the environment schema (libs/config/src/env.docs.ts), between <!-- config:begin --> and
// <!-- config:end -->.
const fs = require('node:fs');
const path = require('node:path');
const { ensureBuilt } = require('./ensure-built');
const { root } = require('./services');

ensureBuilt();
const { withConfigTable, CONFIG_TABLE_DOCUMENTS } = require(
  path.join(root, 'dist', 'libs', 'config', 'src', 'env.docs'),
);
for (const document of CONFIG_TABLE_DOCUMENTS) {
  const file = path.join(root, document);
  const before = fs.readFileSync(file, 'utf8');
  const after = withConfigTable(before);
  if (after === before) {
    console.error(`${document}: configuration table already up to date`);
  } else {
    fs.writeFileSync(file, after);
    console.error(`${document}: configuration table written`);
  }
}
