import { Injectable, Logger } from '@nestjs/common';
import type { AuditIngestResponse } from '@latchkey/contracts';
import { OAuthError, TemporarilyUnavailable } from '@latchkey/oauth';
import { isDatabaseUnavailable } from '@latchkey/persistence';
import { AuditChain } from '../chain/audit-chain.service';
import { parseAuditEvent } from './audit-event.validator';

/**
 * One event arriving, from JetStream or the in-process bus: checked, then appended to the chain
 * once. Throws InvalidRequest for an event that can never be stored, TemporarilyUnavailable when
 * the database is down (try again later).
 */
@Injectable()
export class AuditIngest {
  private readonly logger = new Logger(AuditIngest.name);

  constructor(private readonly chain: AuditChain) {}

  async ingest(message: unknown): Promise<AuditIngestResponse> {
    const { event, removed } = parseAuditEvent(message);
    if (removed.length > 0) {
      this.logger.warn(
        `audit event ${event.id} from ${event.source}: removed data keys that may hold credentials: ${removed.join(', ')}`,
      );
    }
    try {
      return await this.chain.append(event);
    } catch (err) {
      if (!(err instanceof OAuthError) && isDatabaseUnavailable(err)) {
        throw new TemporarilyUnavailable();
      }
      throw err;
    }
  }
}
