import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { NatsAuth, PlatformConfig } from '@latchkey/config';
import {
  AUDIT_STREAM,
  AUDIT_SUBJECT_PREFIX,
  type AuditSigningKey,
  installationAuditPrefix,
} from '@latchkey/contracts';
import { outboxBacklog, outboxOldestAge, readTogetherOnScrape } from '@latchkey/platform';
import { BusClient } from '@latchkey/transport';
import type { DataSource } from 'typeorm';
import { AuditClient } from './audit.client';
import { AuditOutboxRepository } from './outbox/audit-outbox.repository';
import { OutboxAuditClient } from './outbox/outbox-audit.client';
import { DEFAULT_RELAY_SETTINGS, OutboxRelay, type RelaySettings } from './outbox/outbox.relay';
import { AUDIT_PUBLISHER, type AuditPublisher } from './publishers/audit-publisher';
import { BusAuditPublisher } from './publishers/bus.publisher';
import { JetStreamAuditPublisher } from './publishers/jetstream.publisher';
import { SigningAuditPublisher } from './publishers/signing.publisher';

export interface AuditClientOptions {
  /** The emitting service; the events' `source` is `<issuer>/<service>`. */
  service: string;
  /** The installation's issuer URL, in every event (docs/audit-events.md). */
  issuer: string;
  /** The service's own schema, where `audit_outbox` lives (see `auditOutboxMigration`). */
  schema: string;
  /** Distributed mode: publish to JetStream here. Unset: embedded, to the audit service in-process. */
  natsUrl?: string;
  /** NATS credentials and TLS of the publishing connection. */
  natsAuth?: NatsAuth;
  /** Signs every event the service emits (see `auditSigningKeyFor`). */
  signingKey: AuditSigningKey;
  /** Defaults to `AUDIT`; tests use their own stream. */
  streamName?: string;
  /** Defaults to `audit.`. */
  subjectPrefix?: string;
  /** How long one delivery may take before it counts as failed (default 5000 ms). */
  publishTimeoutMs?: number;
  relay?: Partial<RelaySettings> & {
    /** Start delivering at bootstrap (default true). */
    autoStart?: boolean;
  };
  /** The events' clock (tests). */
  now?: () => Date;
}

/**
 * Where an installation's events go, from its configuration: its NATS, its stream
 * (AUDIT_STREAM_NAME) and its subjects (`[<NATS_SUBJECT_PREFIX>.]audit.<type>`).
 */
export function auditDelivery(
  config: Pick<PlatformConfig, 'natsUrl' | 'natsAuth' | 'natsSubjectPrefix' | 'auditStream'>,
): Pick<AuditClientOptions, 'natsUrl' | 'natsAuth' | 'streamName' | 'subjectPrefix'> {
  return {
    natsUrl: config.natsUrl,
    natsAuth: config.natsAuth,
    streamName: config.auditStream.name,
    subjectPrefix: installationAuditPrefix(config.natsSubjectPrefix),
  };
}

const AUDIT_CLIENT_OPTIONS = 'LATCHKEY_AUDIT_CLIENT_OPTIONS';
const DEFAULT_PUBLISH_TIMEOUT_MS = 5000;

/**
 * Starts the relay once the application is up and flushes it before the database closes; while
 * it runs, each scrape reads the outbox backlog (`latchkey_outbox_backlog`,
 * `latchkey_outbox_oldest_age_seconds`): a relay that cannot deliver shows as a growing age.
 */
@Injectable()
class RelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopReading?: () => void;

  constructor(
    private readonly relay: OutboxRelay,
    private readonly outbox: AuditOutboxRepository,
    @Inject(getDataSourceToken()) private readonly dataSource: DataSource,
    @Inject(AUDIT_CLIENT_OPTIONS) private readonly options: AuditClientOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.relay?.autoStart !== false) this.relay.start();
    const labels = { service: this.options.service };
    const backlog = outboxBacklog();
    const oldestAge = outboxOldestAge();
    this.stopReading = readTogetherOnScrape([backlog, oldestAge], async () => {
      const { count, oldestAgeSeconds } = await this.outbox.backlog(this.dataSource.manager);
      backlog.set(labels, count);
      oldestAge.set(labels, oldestAgeSeconds);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopReading?.();
    await this.relay.stop();
  }
}

/**
 * Reliable audit events for one service (docs/architecture.md §6): `AuditClient` writes each event to the
 * service's outbox table, and a relay in the same process delivers it to JetStream (distributed)
 * or to the audit service over the in-process bus (embedded), at least once. Global: import it
 * once in the service's root module, after its PersistenceModule.forService.
 */
@Module({})
export class AuditClientModule {
  static forService(options: AuditClientOptions): DynamicModule {
    const settings: RelaySettings = {
      ...DEFAULT_RELAY_SETTINGS,
      ...withoutUndefined(options.relay),
    };
    const publishTimeoutMs = options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    const outbox = new AuditOutboxRepository(options.schema);
    return {
      module: AuditClientModule,
      global: true,
      providers: [
        { provide: AUDIT_CLIENT_OPTIONS, useValue: options },
        { provide: AuditOutboxRepository, useValue: outbox },
        {
          provide: AUDIT_PUBLISHER,
          inject: [BusClient],
          useFactory: (bus: BusClient): AuditPublisher =>
            new SigningAuditPublisher(
              options.natsUrl
                ? new JetStreamAuditPublisher({
                    natsUrl: options.natsUrl,
                    auth: options.natsAuth,
                    name: `${options.service}-audit`,
                    streamName: options.streamName ?? AUDIT_STREAM,
                    subjectPrefix: options.subjectPrefix ?? AUDIT_SUBJECT_PREFIX,
                    timeoutMs: publishTimeoutMs,
                  })
                : new BusAuditPublisher(bus, publishTimeoutMs),
              options.signingKey,
            ),
        },
        {
          provide: OutboxRelay,
          inject: [getDataSourceToken(), AUDIT_PUBLISHER],
          useFactory: (dataSource: DataSource, publisher: AuditPublisher) =>
            new OutboxRelay(dataSource, outbox, publisher, settings, options.schema),
        },
        {
          provide: AuditClient,
          inject: [getDataSourceToken(), OutboxRelay],
          useFactory: (dataSource: DataSource, relay: OutboxRelay) =>
            new OutboxAuditClient(
              { issuer: options.issuer, service: options.service },
              dataSource,
              outbox,
              relay,
              options.now,
            ),
        },
        RelayLifecycle,
      ],
      exports: [AuditClient, OutboxRelay],
    };
  }
}

function withoutUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(
    Object.entries(value).filter(([, member]) => member !== undefined),
  ) as Partial<T>;
}
