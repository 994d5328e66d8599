import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rotated refresh token names its successor, so that a retry within the reuse window can be
 * answered that successor and an older generation told from a retry (docs/architecture.md §3).
 * Tokens rotated before this column existed have none: presenting them again stays reuse.
 */
export class RefreshTokenSuccessor1733500000000 implements MigrationInterface {
  name = 'RefreshTokenSuccessor1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "token"."refresh_tokens" ADD COLUMN "successor_hash" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "token"."refresh_tokens" DROP COLUMN "successor_hash"`);
  }
}
