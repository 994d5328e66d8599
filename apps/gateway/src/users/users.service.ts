import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PasswordHasher } from './password.hasher';
import type { User } from './user';
import type { ClaimScopeView } from '@latchkey/contracts';
import { claimsFor, type UserinfoClaims } from './user-claims';
import { toUser, type UserEntity } from './user.entity';
import { usernameKey } from './username';
import { UsersRepository } from './users.repository';

/**
 * Users for the login flow and the token claims: check a username and password, load the user of
 * a session, release claims by scope.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * The user these credentials belong to, or null: unknown username, wrong password or disabled
   * account alike, so the caller cannot tell them apart (and must not). An unknown username costs
   * one argon2 verification against a dummy hash, as a known one does, so response time does not
   * reveal which usernames exist. A hash made with older parameters is upgraded on success.
   */
  async verifyCredentials(username: string, password: string): Promise<User | null> {
    const entity = await this.users.findByUsernameKey(
      this.dataSource.manager,
      usernameKey(username),
    );
    // A user made by an upstream identity provider has no password here: it never verifies.
    if (!entity || entity.passwordHash === null) {
      await this.hasher.verifyDummy(password);
      return null;
    }
    if (!(await this.hasher.verify(entity.passwordHash, password))) return null;
    // Checked after the password, so a disabled account takes as long as any other refusal.
    if (entity.disabled) return null;
    await this.upgradeHash(entity, password);
    return toUser(entity);
  }

  /** The user with this `sub`, disabled or not; callers deciding access want findActiveById. */
  async findById(sub: string): Promise<User | null> {
    const entity = await this.users.findById(this.dataSource.manager, sub);
    return entity ? toUser(entity) : null;
  }

  /** The user with this `sub` if they may still sign in (a session resuming, a token refresh). */
  async findActiveById(sub: string): Promise<User | null> {
    const user = await this.findById(sub);
    return user && !user.disabled ? user : null;
  }

  /** `sub` and the claims `scopes` release (OIDC Core §5.4, claim scopes; see claimsFor). */
  claimsFor(
    user: User,
    scopes: ReadonlySet<string>,
    claimScopes?: ReadonlyMap<string, ClaimScopeView>,
  ): UserinfoClaims {
    return claimsFor(user, scopes, claimScopes);
  }

  /**
   * Rehashes with the current parameters. Best effort: the login already succeeded, and the next
   * one tries again; a password changed meanwhile is never overwritten.
   */
  private async upgradeHash(entity: UserEntity, password: string): Promise<void> {
    const current = entity.passwordHash;
    if (current === null || !this.hasher.needsRehash(current)) return;
    try {
      const upgraded = await this.hasher.hash(password);
      await this.users.replacePasswordHash(this.dataSource.manager, entity.id, current, upgraded);
    } catch (err) {
      this.logger.warn(
        `could not upgrade the password hash of user ${entity.id}: ${
          err instanceof Error ? err.message : String(err)
        }`,
      );
    }
  }
}
