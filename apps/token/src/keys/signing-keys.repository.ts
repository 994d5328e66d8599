import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, MoreThan, Repository } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity';

@Injectable()
export class SigningKeysRepository {
  private readonly repo: Repository<SigningKeyEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repo = dataSource.getRepository(SigningKeyEntity);
  }

  findActive(alg: string): Promise<SigningKeyEntity | null> {
    return this.repo.findOne({ where: { alg, status: 'active' } });
  }

  /** Keys still in the JWKS: active ones and retired ones whose tokens may still be alive. */
  findPublished(now: Date): Promise<SigningKeyEntity[]> {
    return this.repo.find({
      where: [{ publishUntil: IsNull() }, { publishUntil: MoreThan(now) }],
      order: { createdAt: 'ASC' },
    });
  }

  /**
   * Inserts a key as the active one for its algorithm unless another replica won the race
   * (the partial unique index allows one active key per alg). Returns whether it was inserted.
   */
  async insertActiveIfNone(
    key: Omit<SigningKeyEntity, 'createdAt' | 'publishUntil'>,
  ): Promise<boolean> {
    // ON CONFLICT DO NOTHING returns no row when another replica's key is already active.
    const rows: unknown[] = await this.repo.query(
      `INSERT INTO "token"."signing_keys" ("kid", "alg", "status", "public_jwk", "private_jwk_sealed")
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING "kid"`,
      [key.kid, key.alg, key.status, JSON.stringify(key.publicJwk), key.privateJwkSealed],
    );
    return rows.length > 0;
  }
}
