import {
  checkPassword,
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from './password-policy';

describe('password policy (NIST SP 800-63B: length, not composition)', () => {
  it.each([
    ['eight ch', 'exactly the minimum, with a space'],
    ['aaaaaaaa', 'no composition rule: one repeated letter'],
    ['12345678', 'digits only'],
    ['correct horse battery staple', 'a passphrase'],
    ['pässwörd', 'non-ASCII'],
    ['🔑🔑🔑🔑🔑🔑🔑🔑', 'eight emoji (sixteen UTF-16 units, eight characters)'],
    ['x'.repeat(PASSWORD_MAX_LENGTH), 'exactly the maximum'],
  ])('accepts %j (%s)', (password) => {
    expect(checkPassword(password)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(PASSWORD_MIN_LENGTH - 1), 'one short'],
    ['🔑🔑🔑🔑🔑🔑🔑', 'seven characters in fourteen UTF-16 units'],
    ['x'.repeat(PASSWORD_MAX_LENGTH + 1), 'one too long'],
  ])('refuses %j (%s) naming the bounds', (password) => {
    expect(checkPassword(password)).toBe('password must be 8 to 1024 characters');
  });

  it.each([[undefined], [null], [12345678], [['password']]])(
    'refuses %j: not a string',
    (value) => {
      expect(checkPassword(value)).toBe('password must be a string');
    },
  );

  it('normalises with NFKC, so composed and decomposed input are the same password', () => {
    expect(normalizePassword('cafe\u0301-latte')).toBe(normalizePassword('caf\u00e9-latte'));
    expect(normalizePassword('ｐａｓｓ')).toBe('pass');
  });

  it('counts length after normalisation', () => {
    // Eight decomposed é (sixteen code points) are eight characters once composed.
    expect(checkPassword('e\u0301'.repeat(7))).toBeDefined();
    expect(checkPassword('e\u0301'.repeat(8))).toBeUndefined();
  });
});
