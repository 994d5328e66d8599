import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * User accounts. Usernames are unique by their normalised form (NFKC, lower case), which the
 * application computes; `seq` gives lists a stable insertion order for cursor pagination.
 */
export class Users1732200000300 implements MigrationInterface {
  name = 'Users1732200000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "gateway"."users" (
        "id" text PRIMARY KEY,
        "seq" bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        "username" text NOT NULL CHECK (char_length("username") BETWEEN 1 AND 64),
        "username_normalized" text NOT NULL
          CONSTRAINT "users_username_normalized_key" UNIQUE,
        "password_hash" text NOT NULL,
        "email" text,
        "email_verified" boolean NOT NULL DEFAULT false,
        "name" text,
        "given_name" text,
        "family_name" text,
        "disabled" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."users"`);
  }
}
