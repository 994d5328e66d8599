import { DynamicModule, Module } from '@nestjs/common';
import type { PlatformConfig } from '@latchkey/config';
import { auditVerificationKey, Services } from '@latchkey/contracts';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/platform';
import { PersistenceModule } from '@latchkey/persistence';
import { AUDIT_PERSISTENCE } from './audit.persistence';
import { ChainModule } from './chain/chain.module';
import { type AuditConsumerOptions, ConsumerModule } from './consumer/consumer.module';
import { QueryModule } from './query/query.module';

/** Stream settings other than what the configuration says (tests run against a stream of their own). */
export type AuditServiceOptions = Omit<
  AuditConsumerOptions,
  'natsUrl' | 'natsAuth' | 'trustedKeys' | 'maxDeliveries'
>;

/**
 * The audit log (append-only, hash-chained): consumes the AUDIT stream (distributed) or
 * `audit.ingest` (embedded), answers `audit.query` and `audit.verify`.
 */
@Module({})
export class AuditModule {
  static forRoot(config: PlatformConfig, options: AuditServiceOptions = {}): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        ...platformImports(Services.Audit, config),
        PersistenceModule.forService(AUDIT_PERSISTENCE),
        ChainModule,
        ConsumerModule.forRoot({
          ...options,
          natsUrl: config.natsUrl,
          natsAuth: config.natsAuth,
          trustedKeys: config.auditEventPublicKeys.map(({ service, publicKey }) =>
            auditVerificationKey(service, publicKey),
          ),
          maxDeliveries: config.auditMaxDeliveries,
        }),
        QueryModule,
      ],
      providers: [databaseReadiness(), busReadiness()],
    };
  }
}
