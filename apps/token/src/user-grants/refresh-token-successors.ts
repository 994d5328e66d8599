import { Injectable } from '@nestjs/common';
import { KeyEncryption } from '@latchkey/core';
import { type MintedRefreshToken, successorRefreshToken } from './refresh-token';

/** HKDF info of the successor key: a key of its own, whatever else KEY_ENCRYPTION_KEY serves. */
const SUCCESSOR_KEY_PURPOSE = 'latchkey refresh-token successor v1';

/**
 * Derives a refresh token's successor (docs/architecture.md §3) with a key derived from
 * KEY_ENCRYPTION_KEY. While that key is being replaced, a successor derived with one it replaces
 * is still found again.
 */
@Injectable()
export class RefreshTokenSuccessors {
  private readonly keys: Buffer[];

  constructor(encryption: KeyEncryption) {
    this.keys = encryption.derivedKeys(SUCCESSOR_KEY_PURPOSE);
  }

  /** The successor a rotation of `presented` issues. */
  of(presented: string): MintedRefreshToken {
    return successorRefreshToken(presented, this.keys[0]!);
  }

  /** The successor issued before under `hash`, or undefined when no configured key derives it. */
  again(presented: string, hash: string): string | undefined {
    for (const key of this.keys) {
      const successor = successorRefreshToken(presented, key);
      if (successor.hash === hash) return successor.token;
    }
    return undefined;
  }
}
