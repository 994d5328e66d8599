import { createHash } from 'node:crypto';
import { AUDIT_GENESIS_HASH, type AuditEvent, canonicalJson } from '@latchkey/contracts';

export { AUDIT_GENESIS_HASH };

/** `sha256(prev_hash ‖ canonical(event))`, hex: each row commits to every row before it. */
export function chainHash(prevHash: string, event: AuditEvent): string {
  return createHash('sha256')
    .update(prevHash, 'utf8')
    .update(canonicalJson(event), 'utf8')
    .digest('hex');
}
