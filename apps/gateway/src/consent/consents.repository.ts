import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** Work that commits or rolls back with the consent change (its audit event). */
export type WithConsentChange = (em: EntityManager) => Promise<unknown>;
import { ConsentEntity } from './consent.entity';

/** Remembered consents in the gateway schema. */
@Injectable()
export class ConsentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The scopes the user has allowed this client; empty when never asked. */
  async scopesOf(sub: string, clientId: string): Promise<Set<string>> {
    const row = await this.dataSource.getRepository(ConsentEntity).findOneBy({ sub, clientId });
    return new Set(row?.scopes ?? []);
  }

  /**
   * Adds scopes to what the user has allowed the client (one statement: no lost update), and runs
   * `andThen` in the same transaction.
   */
  async grant(
    sub: string,
    clientId: string,
    scopes: readonly string[],
    at: Date,
    andThen: WithConsentChange,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query(
        `INSERT INTO "gateway"."consents" ("sub", "client_id", "scopes", "created_at", "updated_at")
       VALUES ($1, $2, $3::text[], $4, $4)
       ON CONFLICT ("sub", "client_id") DO UPDATE SET
         "scopes" = ARRAY(
           SELECT DISTINCT s FROM unnest("consents"."scopes" || EXCLUDED."scopes") AS s ORDER BY s
         ),
         "updated_at" = EXCLUDED."updated_at"`,
        [sub, clientId, [...new Set(scopes)], at],
      );
      await andThen(em);
    });
  }

  /** Every remembered consent of the user, by client id. */
  listOf(sub: string): Promise<ConsentEntity[]> {
    return this.dataSource
      .getRepository(ConsentEntity)
      .find({ where: { sub }, order: { clientId: 'ASC' } });
  }

  /** Whether the user has a remembered consent for the client. */
  async exists(sub: string, clientId: string): Promise<boolean> {
    return this.dataSource.getRepository(ConsentEntity).existsBy({ sub, clientId });
  }

  /**
   * Forgets what the user allowed the client, running `andThen` in the same transaction when
   * there was something to forget; false when there was nothing.
   */
  async withdraw(sub: string, clientId: string, andThen: WithConsentChange): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const result = await em.getRepository(ConsentEntity).delete({ sub, clientId });
      if ((result.affected ?? 0) === 0) return false;
      await andThen(em);
      return true;
    });
  }

  /** The client is gone: nothing it was allowed may carry over to a later client of that id. */
  async deleteForClient(clientId: string): Promise<void> {
    await this.dataSource.getRepository(ConsentEntity).delete({ clientId });
  }
}
