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

export type EnsureOutcome = 'created' | 'existing';

/**
 * Creates the audit stream unless it exists. Several replicas may start at once: whoever loses
 * the race finds the stream there. An existing stream is left as it is, so limits an operator
 * tuned (max age, replicas) survive restarts.
 */
export async function ensureAuditStream(
  jsm: JetStreamManager,
  settings: AuditStreamSettings,
): Promise<EnsureOutcome> {
  if (await exists(() => jsm.streams.info(settings.streamName), STREAM_NOT_FOUND)) {
    return 'existing';
  }
  try {
    await jsm.streams.add({
      name: settings.streamName,
      subjects: auditStreamSubjects(settings.subjectPrefix),
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(settings.maxAgeMs),
      duplicate_window: nanos(settings.duplicateWindowMs),
    });
    return 'created';
  } catch (err) {
    if (await exists(() => jsm.streams.info(settings.streamName), STREAM_NOT_FOUND)) {
      return 'existing';
    }
    throw err;
  }
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
