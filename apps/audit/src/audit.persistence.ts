import type { ServicePersistenceOptions } from '@latchkey/persistence';
import { AuditEvents1732200000100 } from './migrations/1732200000100-audit-events';
import { AuditCheckpoints1734400000000 } from './migrations/1734400000000-audit-checkpoints';

/** The audit log lives in the `audit` schema; only these migrations touch it. */
export const AUDIT_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'audit',
  entities: [],
  migrations: [AuditEvents1732200000100, AuditCheckpoints1734400000000],
};
