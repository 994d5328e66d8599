import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `claims` request parameter (OIDC Core §5.5) of a grant's authorization: its refreshes sign
 * ID Tokens with the same claims, and userinfo honours it (docs/architecture.md §7).
 */
export class GrantClaimsRequest1734200000300 implements MigrationInterface {
  name = 'GrantClaimsRequest1734200000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "token"."grants" ADD COLUMN "claims_request" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "token"."grants" DROP COLUMN "claims_request"`);
  }
}
