import type { ServicePersistenceOptions } from '@latchkey/persistence';
import { AuditEvents1732200000100 } from './migrations/1732200000100-audit-events';

/** The audit log lives in the `audit` schema; only these migrations touch it. */
export const AUDIT_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'audit',
  entities: [],
  migrations: [AuditEvents1732200000100],
};
