import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Private signing keys are stored encrypted (AES-256-GCM) with a key from configuration, so a
 * database dump alone cannot mint tokens. The kid is authenticated data: a ciphertext moved to
 * another row does not decrypt. While the key is being replaced, the keys it replaces
 * (PREVIOUS_KEY_ENCRYPTION_KEYS) still decrypt, and `reseal` moves a row to the current one.
 */
export class KeyEncryption {
  private readonly key: Buffer;
  private readonly previousKeys: Buffer[];

  constructor(secret: string, previousSecrets: readonly string[] = []) {
    this.key = deriveKey(secret);
    this.previousKeys = previousSecrets.map(deriveKey);
  }

  encrypt(plaintext: string, kid: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext, with the current key or any previous one. */
  decrypt(sealed: string, kid: string): string {
    for (const key of [this.key, ...this.previousKeys]) {
      const plaintext = decryptWith(key, sealed, kid);
      if (plaintext !== undefined) return plaintext;
    }
    throw new KeyDecryptionError(kid);
  }

  /**
   * 256-bit keys for another purpose, derived from the current key and then each previous one
   * (HKDF-SHA256, the purpose as info), so that one configured secret serves several uses
   * without one use revealing another's key.
   */
  derivedKeys(purpose: string): Buffer[] {
    return [this.key, ...this.previousKeys].map((key) =>
      Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32)),
    );
  }

  /**
   * The row sealed again with the current key, or undefined when it already is. Throws
   * KeyDecryptionError when no configured key opens it.
   */
  reseal(sealed: string, kid: string): string | undefined {
    if (decryptWith(this.key, sealed, kid) !== undefined) return undefined;
    return this.encrypt(this.decrypt(sealed, kid), kid);
  }
}

/** Accept any high-entropy string; derive a fixed-size key from it. */
function deriveKey(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function decryptWith(key: Buffer, sealed: string, kid: string): string | undefined {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

export class KeyDecryptionError extends Error {
  readonly code = 'KEY_DECRYPTION_FAILED';
  constructor(kid: string) {
    super(
      `signing key ${kid} cannot be decrypted: wrong KEY_ENCRYPTION_KEY (or PREVIOUS_KEY_ENCRYPTION_KEYS) or corrupted row`,
    );
    this.name = 'KeyDecryptionError';
  }
}
