import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '@latchkey/oauth';

/**
 * HMAC-SHA256 signatures for cookie values, keyed with COOKIE_SECRET (shared by every gateway
 * replica). The cookie's name is part of what is signed, so a value signed for one cookie cannot
 * be replayed as another. Several secrets rotate the key without logging anyone out: the first
 * signs, every one verifies, so a secret can be added in front, then the old one dropped once the
 * cookies it signed have expired.
 */
export class CookieSigner {
  private readonly secrets: readonly string[];

  constructor(secrets: string | readonly string[]) {
    const list = typeof secrets === 'string' ? [secrets] : [...secrets];
    if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length < 32)) {
      throw new Error('every cookie secret must be at least 32 characters');
    }
    this.secrets = list;
  }

  /** `value.signature`; `value` must not contain dots of its own (ours are base64url). */
  sign(name: string, value: string): string {
    return `${value}.${mac(this.secrets[0]!, name, value)}`;
  }

  /** The value when the signature is one of these keys' for this cookie name, else undefined. */
  verify(name: string, signed: string | undefined): string | undefined {
    if (typeof signed !== 'string') return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const value = signed.slice(0, dot);
    const signature = signed.slice(dot + 1);
    // Every key is tried, so the time taken does not tell which one (if any) matched.
    let valid = false;
    for (const secret of this.secrets) {
      if (constantTimeEqual(signature, mac(secret, name, value))) valid = true;
    }
    return valid ? value : undefined;
  }
}

function mac(secret: string, name: string, value: string): string {
  return createHmac('sha256', secret).update(`${name}=${value}`).digest('base64url');
}
