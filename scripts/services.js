// The four services and their entry files, shared by the local launch scripts.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SERVICES = ['token', 'client-registry', 'audit', 'gateway'];
const entryOf = (service) => path.join(root, 'dist', 'apps', service, 'main.js');

/**
 * Per-service Ed25519 audit signing keys for a local run, as an operator would configure them
 * (README): each emitting service's AUDIT_SIGNING_KEY, the audit service's AUDIT_EVENT_PUBLIC_KEYS.
 * Needs the build (dist/).
 */
function freshAuditKeys() {
  const { generateAuditSigningKey } = require(
    path.join(root, 'dist', 'libs', 'contracts', 'src', 'audit-signature.js'),
  );
  const keys = Object.fromEntries(
    SERVICES.filter((s) => s !== 'audit').map((s) => [s, generateAuditSigningKey()]),
  );
  const publicKeys = Object.entries(keys)
    .map(([service, key]) => `${service}=${key.publicKey}`)
    .join(',');
  return (service) =>
    service === 'audit'
      ? { AUDIT_EVENT_PUBLIC_KEYS: publicKeys }
      : { AUDIT_SIGNING_KEY: keys[service].seed };
}

module.exports = { root, SERVICES, entryOf, freshAuditKeys };
