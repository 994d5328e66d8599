import { Injectable, Logger } from '@nestjs/common';
import type { AuditEvent, AuditIngestResponse } from '@latchkey/contracts';
import { InvalidRequest, OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import { isDatabaseUnavailable } from '@latchkey/persistence';
import { AuditChain } from '../chain/audit-chain.service';
import { parseAuditEvent } from './audit-event.validator';

/**
 * Events arriving, from JetStream or the in-process bus: checked, then appended to the chain
 * once each. Throws InvalidRequest for an event that can never be stored, TemporarilyUnavailable when
 * the database is down (try again later).
 */
@Injectable()
export class AuditIngest {
  private readonly logger = new Logger(AuditIngest.name);

  constructor(private readonly chain: AuditChain) {}

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
      if (err instanceof InvalidRequest) return err;
      throw err;
    }
    const { event, removed } = checked;
    if (removed.length > 0) {
      this.logger.warn(
        `audit event ${event.id} from ${event.source}: removed data keys that may hold credentials: ${removed.join(', ')}`,
      );
    }
    return event;
  }
}
