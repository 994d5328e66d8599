import { MigrationInterface, QueryRunner } from 'typeorm';

/** The upstream identity provider a grant's user signed in through (id_token `idp`). */
export class GrantIdp1734700000200 implements MigrationInterface {
  name = 'GrantIdp1734700000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "token"."grants" ADD COLUMN "idp" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "token"."grants" DROP COLUMN "idp"`);
  }
}
