import { DynamicModule, Module } from '@nestjs/common';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/observability';
import { PersistenceModule } from '@latchkey/persistence';
import { AUDIT_PERSISTENCE } from './audit.persistence';

/** The audit log (append-only, hash-chained). */
@Module({})
export class AuditModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        ...platformImports(Services.Audit, config),
        PersistenceModule.forService(AUDIT_PERSISTENCE),
      ],
      providers: [databaseReadiness(), busReadiness()],
    };
  }
}
