import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DEFAULT_SETTINGS, type NatsAuth } from '@latchkey/config';
import {
  AUDIT_CONSUMER,
  deadLetterStreamOf,
  AUDIT_STREAM,
  AUDIT_SUBJECT_PREFIX,
  auditKeyRing,
  type AuditVerificationKey,
} from '@latchkey/contracts';
import { ChainModule } from '../chain/chain.module';
import { AUDIT_TRUSTED_KEYS, AuditIngest } from './audit-ingest.service';
import {
  AUDIT_STREAM_SETTINGS,
  AuditStreamConsumer,
  type AuditStreamConsumerSettings,
} from './audit-stream.consumer';
import { IngestController } from './ingest.controller';

export interface AuditConsumerOptions {
  /** Distributed mode: consume the audit stream from this NATS server. Unset: embedded (bus only). */
  natsUrl?: string;
  natsAuth?: NatsAuth;
  /** The services' public keys: only events they signed are stored. */
  trustedKeys: readonly AuditVerificationKey[];
  /** Defaults to `AUDIT`; tests use a stream of their own. */
  streamName?: string;
  /** Defaults to `AUDIT_DEAD_LETTER`. */
  deadLetterStreamName?: string;
  /** Deliveries of a poison message before it is dead-lettered (AUDIT_MAX_DELIVERIES). */
  maxDeliveries?: number;
  /** Defaults to `audit.`. */
  subjectPrefix?: string;
  /** Defaults to `audit-store`. */
  consumerName?: string;
  /** Copies in a NATS cluster (default 1). */
  replicas?: number;
  /** Default `limits`. */
  retention?: 'limits' | 'interest';
  maxAgeMs?: number;
  duplicateWindowMs?: number;
  ackWaitMs?: number;
  retryDelayMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** How events arrive: the AUDIT stream (distributed) and `audit.ingest` (embedded). */
@Module({})
export class ConsumerModule {
  static forRoot(options: AuditConsumerOptions): DynamicModule {
    const providers: Provider[] = [
      AuditIngest,
      { provide: AUDIT_TRUSTED_KEYS, useValue: auditKeyRing(options.trustedKeys) },
    ];
    if (options.natsUrl) {
      const settings: AuditStreamConsumerSettings = {
        natsUrl: options.natsUrl,
        natsAuth: options.natsAuth,
        connectionName: 'audit-consumer',
        streamName: options.streamName ?? AUDIT_STREAM,
        // Each installation's own (AUDIT_STREAM_NAME), as its subjects are its own.
        deadLetterStreamName:
          options.deadLetterStreamName ?? deadLetterStreamOf(options.streamName ?? AUDIT_STREAM),
        maxDeliveries: options.maxDeliveries ?? DEFAULT_SETTINGS.auditMaxDeliveries,
        subjectPrefix: options.subjectPrefix ?? AUDIT_SUBJECT_PREFIX,
        consumerName: options.consumerName ?? AUDIT_CONSUMER,
        replicas: options.replicas ?? 1,
        retention: options.retention ?? 'limits',
        maxAgeMs: options.maxAgeMs ?? 30 * DAY_MS,
        duplicateWindowMs: options.duplicateWindowMs ?? 2 * 60_000,
        ackWaitMs: options.ackWaitMs ?? 30_000,
        retryDelayMs: options.retryDelayMs ?? 5000,
        shutdownTimeoutMs: 5000,
      };
      providers.push({ provide: AUDIT_STREAM_SETTINGS, useValue: settings }, AuditStreamConsumer);
    }
    return {
      module: ConsumerModule,
      imports: [ChainModule],
      controllers: [IngestController],
      providers,
      exports: options.natsUrl ? [AuditIngest, AuditStreamConsumer] : [AuditIngest],
    };
  }
}
