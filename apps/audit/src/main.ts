import './tracing';
import { Services } from '@latchkey/contracts';
import { runServiceMain } from '@latchkey/platform';
import { AuditModule } from './audit.module';
import { AUDIT_PERSISTENCE } from './audit.persistence';

runServiceMain({
  service: Services.Audit,
  module: (config) => AuditModule.forRoot(config),
  persistence: AUDIT_PERSISTENCE,
  require: ['nats', 'database', 'auditEventPublicKeys'],
  httpPort: (config) => config.healthPort,
  defaultHealthPort: 9103,
});
