import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '@latchkey/oauth';

/**
 * HMAC-SHA256 signatures for cookie values, keyed with COOKIE_SECRET (shared by every gateway
 * replica). The cookie's name is part of what is signed, so a value signed for one cookie cannot
 * be replayed as another.
 */
export class CookieSigner {
  constructor(private readonly secret: string) {
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new Error('the cookie secret must be at least 32 characters');
    }
  }

  /** `value.signature`; `value` must not contain dots of its own (ours are base64url). */
  sign(name: string, value: string): string {
    return `${value}.${this.mac(name, value)}`;
  }

  /** The value when the signature is this key's for this cookie name, else undefined. */
  verify(name: string, signed: string | undefined): string | undefined {
    if (typeof signed !== 'string') return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const value = signed.slice(0, dot);
    const signature = signed.slice(dot + 1);
    return constantTimeEqual(signature, this.mac(name, value)) ? value : undefined;
  }

  private mac(name: string, value: string): string {
    return createHmac('sha256', this.secret).update(`${name}=${value}`).digest('base64url');
  }
}
