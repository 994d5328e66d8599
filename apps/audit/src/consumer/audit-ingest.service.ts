import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type AuditEvent,
  type AuditIngestResponse,
  type AuditVerificationKey,
  verifyAuditEventSignature,
} from '@latchkey/contracts';
import { InvalidRequest, OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import { isDatabaseUnavailable } from '@latchkey/persistence';
import { auditEventsRejected } from '@latchkey/platform';
import { AuditChain } from '../chain/audit-chain.service';
import { parseAuditEvent } from './audit-event.validator';

/** DI token of the public keys (by `sigkid`) whose events are stored. */
export const AUDIT_TRUSTED_KEYS = 'LATCHKEY_AUDIT_TRUSTED_KEYS';

/**
 * Events arriving, from JetStream or the in-process bus: checked, then appended to the chain
 * once each. Only events signed by a known service key are stored (docs/audit-consumers.md):
 * a NATS credential alone cannot write history. Throws InvalidRequest for an event that can never be stored, TemporarilyUnavailable when
 * the database is down (try again later).
 */
@Injectable()
export class AuditIngest {
  private readonly logger = new Logger(AuditIngest.name);

  private readonly rejected = auditEventsRejected();

  constructor(
    private readonly chain: AuditChain,
    @Inject(AUDIT_TRUSTED_KEYS) private readonly keys: ReadonlyMap<string, AuditVerificationKey>,
  ) {}

  async ingest(message: unknown): Promise<AuditIngestResponse> {
    const [outcome] = await this.ingestMany([message]);
    if (outcome instanceof InvalidRequest) throw outcome;
    return outcome;
  }

  /**
   * Several messages at once, in order, stored in one transaction: per message its result, or
   * the InvalidRequest that refused it (the others are stored regardless). Throws
   * TemporarilyUnavailable, for all of them, when the database is down.
   */
  async ingestMany(
    messages: readonly unknown[],
  ): Promise<Array<AuditIngestResponse | InvalidRequest>> {
    const outcomes: Array<AuditIngestResponse | InvalidRequest | AuditEvent> = messages.map(
      (message) => this.check(message),
    );
    const events = outcomes.filter((o): o is AuditEvent => !(o instanceof InvalidRequest));
    let stored: AuditIngestResponse[];
    try {
      stored = events.length > 0 ? await this.chain.appendMany(events) : [];
    } catch (err) {
      if (!(err instanceof OAuthError) && isDatabaseUnavailable(err)) {
        throw new TemporarilyUnavailable();
      }
      throw err;
    }
    let next = 0;
    return outcomes.map((o) => (o instanceof InvalidRequest ? o : stored[next++]));
  }

  private check(message: unknown): AuditEvent | InvalidRequest {
    let checked: ReturnType<typeof parseAuditEvent>;
    try {
      checked = parseAuditEvent(message);
    } catch (err) {
      if (!(err instanceof InvalidRequest)) throw err;
      this.rejected.inc({ reason: 'malformed' });
      return err;
    }
    const { event, removed } = checked;
    // The signature covers the event as its emitter sent it, before anything is removed here.
    const verdict = verifyAuditEventSignature(message as object, this.keys);
    if (!verdict.valid) {
      this.rejected.inc({ reason: verdict.problem });
      this.logger.warn(
        `audit event ${event.id} (${event.type} from ${event.source}) refused: ${verdict.problem.replace('_', ' ')}`,
      );
      return new InvalidRequest(`the event's signature is not accepted (${verdict.problem})`);
    }
    if (removed.length > 0) {
      this.logger.warn(
        `audit event ${event.id} from ${event.source}: removed data keys that may hold credentials: ${removed.join(', ')}`,
      );
    }
    return event;
  }
}
