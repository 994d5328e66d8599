import { Services } from '@latchkey/contracts';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import {
  ADMIN_SCOPE,
  type ClientMetadata,
  sha256Base64Url,
  validateClientMetadata,
} from '@latchkey/oauth';
import { isDeepStrictEqual } from 'node:util';
import { ChangePublisher } from '../shared/change-publisher';
import { Clock } from '@latchkey/core';
import { REGISTRY_SETTINGS, type RegistrySettings } from '../shared/registry-settings';
import { TransactionRunner } from '../shared/transaction-runner';
import { secretMatchesAny } from './client-rules';
import { epochSeconds } from './client-view';
import { ClientsRepository } from './clients.repository';

/** The only client that gets `admin` without an admin asking for it (docs/architecture.md §4). */
export const ADMIN_CLIENT_METADATA: ClientMetadata = validateClientMetadata({
  client_name: 'Latchkey admin',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: ADMIN_SCOPE,
});

export type AdminClientOutcome = 'created' | 'updated' | 'unchanged';

/**
 * At start, makes sure the ADMIN_CLIENT_ID client exists as configured and that ADMIN_CLIENT_SECRET
 * is one of its secrets (a changed secret replaces the stored one). Replicas may start together:
 * the insert is ON CONFLICT DO NOTHING and the rest runs under the client's row lock, so they
 * converge on one client with one secret.
 */
@Injectable()
export class AdminClientBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminClientBootstrap.name);

  constructor(
    @Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings,
    private readonly db: TransactionRunner,
    private readonly clients: ClientsRepository,
    private readonly clock: Clock,
    private readonly changes: ChangePublisher,
    private readonly audit: AuditClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.settings.adminClient) await this.ensureAdminClient(this.settings.adminClient);
  }

  async ensureAdminClient(admin: { id: string; secret: string }): Promise<AdminClientOutcome> {
    const hash = sha256Base64Url(admin.secret);
    const now = this.clock.now();
    const outcome = await this.db.run(async (em): Promise<AdminClientOutcome> => {
      const created = await this.clients.insertIfAbsent(em, {
        clientId: admin.id,
        metadata: ADMIN_CLIENT_METADATA,
        disabled: false,
        registrationAccessTokenHash: null,
        clientIdIssuedAt: epochSeconds(now),
        createdAt: now,
        updatedAt: now,
      });
      const current = await this.clients.lockById(em, admin.id);
      if (!current) throw new Error(`admin client ${admin.id} vanished during its bootstrap`);
      let changed = false;
      if (!isDeepStrictEqual(current.metadata, ADMIN_CLIENT_METADATA) || current.disabled) {
        await this.clients.update(em, admin.id, {
          metadata: ADMIN_CLIENT_METADATA,
          disabled: false,
          registrationAccessTokenHash: null,
          updatedAt: now,
        });
        changed = true;
      }
      const secrets = await this.clients.findLiveSecrets(em, admin.id, now);
      const known = secretMatchesAny(
        hash,
        secrets.map((secret) => secret.hash),
      );
      if (!known) {
        await this.clients.deleteSecrets(em, admin.id);
        await this.clients.addSecret(em, admin.id, hash, now);
        changed = true;
      }
      const result = created ? 'created' : changed ? 'updated' : 'unchanged';
      if (result !== 'unchanged') {
        await this.audit.recordInTransaction(em, `client.${result}`, {
          subject: admin.id,
          actor: { type: 'service', id: Services.ClientRegistry },
          data: { client_id: admin.id, via: 'configuration', secret_replaced: !known },
        });
      }
      return result;
    });
    if (outcome !== 'unchanged') {
      await this.changes.clientChanged({
        client_id: admin.id,
        change: outcome === 'created' ? 'created' : 'updated',
      });
      this.logger.log(`admin client ${admin.id} ${outcome}`);
    }
    return outcome;
  }
}
