#!/usr/bin/env node
/**
 * `npm run start:distributed`: the four services as four processes against NATS_URL, REDIS_URL
 * and DATABASE_URL, for local use. Builds first if needed and creates the database if it is
 * missing (each service migrates its own schema at start). Ctrl-C stops them all; if one dies,
 * the others are stopped. Unless AUDIT_EVENT_PUBLIC_KEYS is set (with each service's
 * AUDIT_SIGNING_KEY), every service gets a fresh audit signing key for this run.
 */
const { spawn } = require('node:child_process');
const { ensureBuilt } = require('./ensure-built');
const { ensureDatabase } = require('./ensure-database');
const { SERVICES, entryOf, freshAuditKeys, root } = require('./services');

for (const name of ['NATS_URL', 'REDIS_URL', 'DATABASE_URL']) {
  if (!process.env[name]) {
    console.error(`${name} must be set for distributed mode (see README.md)`);
    process.exit(1);
  }
}

ensureBuilt();
let children = [];
ensureDatabase(process.env.DATABASE_URL).then(
  () => {
    if (!stopping) children = SERVICES.map(startService);
  },
  (err) => {
    console.error(`cannot prepare the database: ${err.message}`);
    process.exit(1);
  },
);

const auditKeys = process.env.AUDIT_EVENT_PUBLIC_KEYS ? undefined : freshAuditKeys();

function startService(service) {
  const env = auditKeys ? { ...process.env, ...auditKeys(service) } : process.env;
  const child = spawn(process.execPath, [entryOf(service)], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${service} exited (${signal ?? code}); stopping the others`);
      stop(1);
    }
  });
  return child;
}

let stopping = false;
function stop(code) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
  ).then(() => process.exit(code));
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
