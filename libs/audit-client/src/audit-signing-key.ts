import { OWN_AUDIT_SIGNING_KEY, type PlatformConfig } from '@latchkey/config';
import { type AuditSigningKey, auditSigningKeyFromSeed } from '@latchkey/contracts';

/**
 * The key `service` signs its audit events with: its own generated key in embedded mode, the
 * process's AUDIT_SIGNING_KEY in distributed mode. Without one the service does not start: an
 * unsigned event would be refused by the audit service anyway.
 */
export function auditSigningKeyFor(
  service: string,
  config: Pick<PlatformConfig, 'auditSigningKeys'>,
): AuditSigningKey {
  const seed = config.auditSigningKeys[service] ?? config.auditSigningKeys[OWN_AUDIT_SIGNING_KEY];
  if (!seed) throw new Error('AUDIT_SIGNING_KEY is required');
  return auditSigningKeyFromSeed(service, seed);
}
