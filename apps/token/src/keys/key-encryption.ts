import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * Private signing keys are stored encrypted (AES-256-GCM) with a key from configuration, so a
 * database dump alone cannot mint tokens. The kid is authenticated data: a ciphertext moved to
 * another row does not decrypt.
 */
export class KeyEncryption {
  private readonly key: Buffer;

  constructor(secret: string) {
    // Accept any high-entropy string; derive a fixed-size key from it.
    this.key = createHash('sha256').update(secret, 'utf8').digest();
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

  decrypt(sealed: string, kid: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || ciphertext === undefined) {
      throw new KeyDecryptionError(kid);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new KeyDecryptionError(kid);
    }
  }
}

export class KeyDecryptionError extends Error {
  readonly code = 'KEY_DECRYPTION_FAILED';
  constructor(kid: string) {
    super(`signing key ${kid} cannot be decrypted: wrong KEY_ENCRYPTION_KEY or corrupted row`);
    this.name = 'KeyDecryptionError';
  }
}
