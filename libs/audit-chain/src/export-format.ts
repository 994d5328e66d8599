import type { AuditChainRecord, AuditCheckpoint, AuditKeysResponse } from '@latchkey/contracts';

/**
 * `latchkey audit export` writes JSON Lines (docs/audit.md): a header, then the checkpoints, then
 * every stored event oldest first with its place in the chain. `latchkey audit verify` reads it
 * back without the database. The format is versioned; a reader refuses a version it does not know.
 */
export const AUDIT_EXPORT_FORMAT = 'latchkey-audit-export';
export const AUDIT_EXPORT_VERSION = 1;

export interface AuditExportHeader {
  kind: 'header';
  format: typeof AUDIT_EXPORT_FORMAT;
  version: typeof AUDIT_EXPORT_VERSION;
  issuer: string;
  exported_at: string;
  /** The checkpoint keys the server published at export time (GET /admin/audit/keys). */
  keys: AuditKeysResponse;
}

export type AuditExportLine =
  | AuditExportHeader
  | ({ kind: 'checkpoint' } & AuditCheckpoint)
  | ({ kind: 'event' } & AuditChainRecord);

export function exportHeader(issuer: string, keys: AuditKeysResponse, now: Date): string {
  const header: AuditExportHeader = {
    kind: 'header',
    format: AUDIT_EXPORT_FORMAT,
    version: AUDIT_EXPORT_VERSION,
    issuer,
    exported_at: now.toISOString(),
    keys,
  };
  return JSON.stringify(header);
}

export function exportCheckpointLine(checkpoint: AuditCheckpoint): string {
  return JSON.stringify({ kind: 'checkpoint', ...checkpoint });
}

export function exportEventLine(record: AuditChainRecord): string {
  return JSON.stringify({ kind: 'event', ...record });
}
