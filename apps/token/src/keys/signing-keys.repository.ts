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
    const result = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ ...key, publishUntil: null })
      .orIgnore()
      .execute();
    // ON CONFLICT DO NOTHING returns no row when another replica's key is already active.
    return Array.isArray(result.raw) && result.raw.length > 0;
  }
}
