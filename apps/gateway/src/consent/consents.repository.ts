import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
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

  /** Adds scopes to what the user has allowed the client (one statement: no lost update). */
  async grant(sub: string, clientId: string, scopes: readonly string[], at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "gateway"."consents" ("sub", "client_id", "scopes", "created_at", "updated_at")
       VALUES ($1, $2, $3::text[], $4, $4)
       ON CONFLICT ("sub", "client_id") DO UPDATE SET
         "scopes" = ARRAY(
           SELECT DISTINCT s FROM unnest("consents"."scopes" || EXCLUDED."scopes") AS s ORDER BY s
         ),
         "updated_at" = EXCLUDED."updated_at"`,
      [sub, clientId, [...new Set(scopes)], at],
    );
  }

  /** The client is gone: nothing it was allowed may carry over to a later client of that id. */
  async deleteForClient(clientId: string): Promise<void> {
    await this.dataSource.getRepository(ConsentEntity).delete({ clientId });
  }
}
