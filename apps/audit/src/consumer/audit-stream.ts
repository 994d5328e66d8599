import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { auditDeadLetterSubject, auditStreamSubjects } from '@latchkey/contracts';

export interface AuditStreamSettings {
  streamName: string;
  /** Keeps the messages that could never be stored (see `ensureDeadLetterStream`). */
  deadLetterStreamName: string;
  subjectPrefix: string;
  consumerName: string;
  /** Copies of the stream in a NATS cluster. */
  replicas: number;
  /** `limits`: events leave by age only; `interest`: also once every consumer acknowledged them. */
  retention: 'limits' | 'interest';
  /** How long the stream keeps events (they are in Postgres once consumed). */
  maxAgeMs: number;
  /** Same `Nats-Msg-Id` within this window: JetStream keeps the first copy only. */
  duplicateWindowMs: number;
  /** An unacknowledged message is delivered again after this. */
  ackWaitMs: number;
}

/** JetStream API error codes this module branches on. */
const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

export type EnsureOutcome = 'created' | 'existing' | 'updated';

/**
 * Creates the audit stream, or brings an existing one to the configured subjects, replicas,
 * retention and max age (AUDIT_STREAM_*): the configuration is the one place they are set.
 * Several replicas may start at once: whoever loses the race finds the stream there.
 */
export async function ensureAuditStream(
  jsm: JetStreamManager,
  settings: AuditStreamSettings,
): Promise<EnsureOutcome> {
  const wanted = {
    subjects: auditStreamSubjects(settings.subjectPrefix),
    num_replicas: settings.replicas,
    retention:
      settings.retention === 'interest' ? RetentionPolicy.Interest : RetentionPolicy.Limits,
    max_age: nanos(settings.maxAgeMs),
    duplicate_window: nanos(settings.duplicateWindowMs),
  };
  const info = () => jsm.streams.info(settings.streamName);
  if (!(await exists(info, STREAM_NOT_FOUND))) {
    try {
      await jsm.streams.add({
        name: settings.streamName,
        storage: StorageType.File,
        discard: DiscardPolicy.Old,
        ...wanted,
      });
      return 'created';
    } catch (err) {
      if (!(await exists(info, STREAM_NOT_FOUND))) throw err;
    }
  }
  const { config } = await info();
  const differs =
    config.subjects?.join(' ') !== wanted.subjects.join(' ') ||
    config.num_replicas !== wanted.num_replicas ||
    config.retention !== wanted.retention ||
    config.max_age !== wanted.max_age ||
    config.duplicate_window !== wanted.duplicate_window;
  if (!differs) return 'existing';
  await jsm.streams.update(settings.streamName, wanted);
  return 'updated';
}

/**
 * Creates the dead-letter stream unless it exists: it captures `<prefix>dead_letter`, where the
 * audit service moves a message that failed to be stored too often, for an operator to inspect.
 */
export async function ensureDeadLetterStream(
  jsm: JetStreamManager,
  settings: AuditStreamSettings,
): Promise<EnsureOutcome> {
  const info = () => jsm.streams.info(settings.deadLetterStreamName);
  if (await exists(info, STREAM_NOT_FOUND)) return 'existing';
  try {
    await jsm.streams.add({
      name: settings.deadLetterStreamName,
      subjects: [auditDeadLetterSubject(settings.subjectPrefix)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(settings.maxAgeMs),
      duplicate_window: nanos(settings.duplicateWindowMs),
    });
    return 'created';
  } catch (err) {
    if (await exists(info, STREAM_NOT_FOUND)) return 'existing';
    throw err;
  }
}

/**
 * Creates the durable pull consumer the audit service reads with: explicit acks, every message
 * from the start of the stream, redelivered without limit by the server: the consumer itself
 * moves a message that keeps failing to the dead-letter stream, never an outage's backlog.
 */
export async function ensureAuditConsumer(
  jsm: JetStreamManager,
  settings: AuditStreamSettings,
): Promise<EnsureOutcome> {
  const info = () => jsm.consumers.info(settings.streamName, settings.consumerName);
  if (await exists(info, CONSUMER_NOT_FOUND)) return 'existing';
  try {
    await jsm.consumers.add(settings.streamName, {
      durable_name: settings.consumerName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      ack_wait: nanos(settings.ackWaitMs),
      max_deliver: -1,
      max_ack_pending: 1000,
    });
    return 'created';
  } catch (err) {
    if (await exists(info, CONSUMER_NOT_FOUND)) return 'existing';
    throw err;
  }
}

async function exists(lookup: () => Promise<unknown>, notFoundCode: number): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (err) {
    if (apiErrorCode(err) === notFoundCode) return false;
    throw err;
  }
}

function apiErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
