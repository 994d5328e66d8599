#!/usr/bin/env node
// `npm run migrate` and `npm run start:distributed` on a fresh PostgreSQL server: create the
// database DATABASE_URL names when it does not exist yet (the services only create their schemas).
const { Client } = require('pg');

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

async function ensureDatabase(databaseUrl) {
  const probe = new Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return;
  } catch (err) {
    if (err.code !== INVALID_CATALOG_NAME) throw err;
  } finally {
    await probe.end().catch(() => {});
  }
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    console.error(`created database ${name}`);
  } catch (err) {
    // Another process created it meanwhile: just as good.
    if (err.code !== DUPLICATE_DATABASE) throw err;
  } finally {
    await admin.end();
  }
}

module.exports = { ensureDatabase };

if (require.main === module) {
  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL must be set (see README.md)');
    process.exit(1);
  }
  ensureDatabase(process.env.DATABASE_URL).catch((err) => {
    console.error(`cannot prepare the database: ${err.message}`);
    process.exit(1);
  });
}
