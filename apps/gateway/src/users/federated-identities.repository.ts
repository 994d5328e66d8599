import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FederatedIdentityEntity } from './federated-identity.entity';
import { UserEntity } from './user.entity';

/** Links between local users and upstream identities (docs/identity-providers.md). */
@Injectable()
export class FederatedIdentitiesRepository {
  /** The link of an upstream identity, locked until the transaction ends. */
  lock(
    em: EntityManager,
    issuer: string,
    subject: string,
  ): Promise<FederatedIdentityEntity | null> {
    return em
      .getRepository(FederatedIdentityEntity)
      .createQueryBuilder('link')
      .setLock('pessimistic_write')
      .where('link.issuer = :issuer AND link.subject = :subject', { issuer, subject })
      .getOne();
  }

  /** Inserts unless the upstream identity is linked already (then false: a concurrent sign-in). */
  async insertIfAbsent(em: EntityManager, link: FederatedIdentityEntity): Promise<boolean> {
    const result = await em
      .getRepository(FederatedIdentityEntity)
      .createQueryBuilder()
      .insert()
      .values(link)
      .orIgnore()
      .returning(['issuer'])
      .execute();
    return Array.isArray(result.raw) && result.raw.length === 1;
  }

  async touch(
    em: EntityManager,
    link: Pick<FederatedIdentityEntity, 'issuer' | 'subject'>,
    changes: Pick<FederatedIdentityEntity, 'groups' | 'lastLoginAt'>,
  ): Promise<void> {
    await em
      .getRepository(FederatedIdentityEntity)
      .update({ issuer: link.issuer, subject: link.subject }, changes);
  }

  /** Active users whose verified e-mail is this one (case-insensitive), at most two. */
  usersWithVerifiedEmail(em: EntityManager, email: string): Promise<UserEntity[]> {
    return em
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .where('lower(user.email) = lower(:email)', { email })
      .andWhere('user.email_verified = true')
      .andWhere('user.disabled = false')
      .limit(2)
      .getMany();
  }
}
