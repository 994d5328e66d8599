import { KeyDecryptionError, KeyEncryption } from './key-encryption';

describe('KeyEncryption', () => {
  const box = new KeyEncryption('a'.repeat(43));

  it('round-trips a private key', () => {
    const sealed = box.encrypt('{"d":"secret"}', 'kid-1');
    expect(sealed).not.toContain('secret');
    expect(box.decrypt(sealed, 'kid-1')).toBe('{"d":"secret"}');
  });

  it('uses a fresh IV every time', () => {
    expect(box.encrypt('x', 'k')).not.toBe(box.encrypt('x', 'k'));
  });

  it('refuses a ciphertext moved to another kid', () => {
    const sealed = box.encrypt('x', 'kid-1');
    expect(() => box.decrypt(sealed, 'kid-2')).toThrow(KeyDecryptionError);
  });

  it('refuses another encryption key', () => {
    const sealed = box.encrypt('x', 'kid-1');
    expect(() => new KeyEncryption('b'.repeat(43)).decrypt(sealed, 'kid-1')).toThrow(
      KeyDecryptionError,
    );
  });

  it('refuses a tampered or malformed ciphertext', () => {
    const sealed = box.encrypt('hello', 'kid-1');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('jello').toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'kid-1')).toThrow(KeyDecryptionError);
    expect(() => box.decrypt('garbage', 'kid-1')).toThrow(KeyDecryptionError);
  });

  describe('while KEY_ENCRYPTION_KEY is replaced', () => {
    const OLD = 'o'.repeat(43);
    const NEW = 'n'.repeat(43);

    it('decrypts with a previous key and encrypts with the current one', () => {
      const sealedOld = new KeyEncryption(OLD).encrypt('x', 'kid-1');
      const rotating = new KeyEncryption(NEW, [OLD]);
      expect(rotating.decrypt(sealedOld, 'kid-1')).toBe('x');
      const sealedNew = rotating.encrypt('y', 'kid-2');
      expect(new KeyEncryption(NEW).decrypt(sealedNew, 'kid-2')).toBe('y');
      expect(() => new KeyEncryption(OLD).decrypt(sealedNew, 'kid-2')).toThrow(KeyDecryptionError);
    });

    it('reseals a row sealed with a previous key, and leaves a current one alone', () => {
      const rotating = new KeyEncryption(NEW, [OLD]);
      const resealed = rotating.reseal(new KeyEncryption(OLD).encrypt('x', 'kid-1'), 'kid-1');
      expect(new KeyEncryption(NEW).decrypt(resealed!, 'kid-1')).toBe('x');
      expect(rotating.reseal(resealed!, 'kid-1')).toBeUndefined();
    });

    it('cannot reseal a row no configured key opens', () => {
      const sealed = new KeyEncryption('z'.repeat(43)).encrypt('x', 'kid-1');
      expect(() => new KeyEncryption(NEW, [OLD]).reseal(sealed, 'kid-1')).toThrow(
        KeyDecryptionError,
      );
    });
  });
});
