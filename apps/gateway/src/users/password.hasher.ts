import { Injectable, type OnModuleInit } from '@nestjs/common';
import { argon2id, hash, needsRehash, verify } from 'argon2';
import { ConcurrencyLimit } from '@latchkey/core';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { normalizePassword } from './password-policy';

/**
 * argon2id with the first of OWASP's equivalent configurations (Password Storage Cheat Sheet):
 * m = 19 MiB, t = 2, p = 1. The alternative m = 46 MiB, t = 1 resists GPUs as well, but every
 * login in flight holds its memory: 19 MiB keeps a burst of concurrent logins inside a gateway
 * pod's memory limit. Raising these later is safe: logins rehash (needsRehash).
 */
export const ARGON2_PARAMETERS = {
  type: argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Hashes and verifies user passwords (normalised first, see normalizePassword). The dummy hash
 * lets a login for an unknown username do the same work as one for a real user.
 *
 * At most one hash per core is in flight: each holds its 19 MiB, and more than the cores can run
 * at once (libuv has four threads) only adds memory, not throughput. The rest wait their turn.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash?: Promise<string>;
  private readonly inFlight = new ConcurrencyLimit(availableParallelism());

  /** Computed at start so the first unknown-user login is not the one slower request. */
  async onModuleInit(): Promise<void> {
    await this.dummy();
  }

  hash(password: string): Promise<string> {
    return this.inFlight.run(() => hash(normalizePassword(password), ARGON2_PARAMETERS));
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.inFlight.run(() => verify(passwordHash, normalizePassword(password)));
  }

  /** Verifies against a hash no password matches, with the current parameters; always false. */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.dummy(), password);
    return false;
  }

  /** The stored hash was made with weaker (or just other) parameters than the current ones. */
  needsRehash(passwordHash: string): boolean {
    return needsRehash(passwordHash, ARGON2_PARAMETERS);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.inFlight.run(() => hash(randomBytes(32), ARGON2_PARAMETERS));
    return this.dummyHash;
  }
}
