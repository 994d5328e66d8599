#!/usr/bin/env node
// `npm run migrate`: build if needed, create the database if it is missing, then apply every
// service's migrations (each to its own schema) and exit.
const { execFileSync } = require('node:child_process');
const { ensureBuilt } = require('./ensure-built');
const { ensureDatabase } = require('./ensure-database');
const { SERVICES, entryOf, root } = require('./services');

async function main() {
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL must be set to migrate (see README.md)');
    process.exit(1);
  }
  ensureBuilt();
  await ensureDatabase(process.env.DATABASE_URL);
  for (const service of SERVICES) {
    console.error(`migrating ${service}...`);
    execFileSync(process.execPath, [entryOf(service), 'migrate'], { cwd: root, stdio: 'inherit' });
  }
}

main().catch((err) => {
  console.error(`migration failed: ${err.message}`);
  process.exit(1);
});
