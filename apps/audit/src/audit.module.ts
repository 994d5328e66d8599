import { DynamicModule, Module } from '@nestjs/common';
import { DEFAULT_AUDIT_SETTINGS, type PlatformConfig } from '@latchkey/config';
import { auditVerificationKey, installationAuditPrefix, Services } from '@latchkey/contracts';
import {
  busReadiness,
  databaseMetrics,
  databaseReadiness,
  platformImports,
} from '@latchkey/platform';
import { PersistenceModule } from '@latchkey/persistence';
import { AUDIT_PERSISTENCE } from './audit.persistence';
import { ChainModule } from './chain/chain.module';
import { CheckpointsModule } from './checkpoints/checkpoints.module';
import { type AuditConsumerOptions, ConsumerModule } from './consumer/consumer.module';
import { QueryModule } from './query/query.module';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Stream settings other than what the configuration says (tests run against a stream of their own). */
export type AuditServiceOptions = Omit<
  AuditConsumerOptions,
  'natsUrl' | 'natsAuth' | 'trustedKeys' | 'maxDeliveries'
>;

/**
 * The audit log (append-only, hash-chained): consumes the AUDIT stream (distributed) or
 * `audit.ingest` (embedded), answers `audit.query`, `audit.verify` and `audit.export`, and signs
 * checkpoints of the chain head.
 */
@Module({})
export class AuditModule {
  static forRoot(config: PlatformConfig, options: AuditServiceOptions = {}): DynamicModule {
    const eventKeys = config.auditEventPublicKeys.map(({ service, publicKey }) =>
      auditVerificationKey(service, publicKey),
    );
    return {
      module: AuditModule,
      imports: [
        ...platformImports(Services.Audit, config),
        PersistenceModule.forService(AUDIT_PERSISTENCE),
        ChainModule,
        CheckpointsModule.forRoot({
          issuer: config.issuer,
          eventKeys,
          ...(config.audit ?? { ...DEFAULT_AUDIT_SETTINGS, previousCheckpointKeys: [] }),
        }),
        ConsumerModule.forRoot({
          streamName: config.auditStream.name,
          subjectPrefix: installationAuditPrefix(config.natsSubjectPrefix),
          replicas: config.auditStream.replicas,
          retention: config.auditStream.retention,
          maxAgeMs: config.auditStream.maxAgeDays * DAY_MS,
          ...options,
          natsUrl: config.natsUrl,
          natsAuth: config.natsAuth,
          trustedKeys: eventKeys,
          maxDeliveries: config.auditMaxDeliveries,
        }),
        QueryModule,
      ],
      providers: [databaseReadiness(), busReadiness(), databaseMetrics()],
    };
  }
}
