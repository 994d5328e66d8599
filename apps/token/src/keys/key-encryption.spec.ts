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
});
