import { canonicalUsername, checkUsername, USERNAME_MAX_LENGTH, usernameKey } from './username';

describe('usernames', () => {
  describe('usernameKey: one key per name, whatever the case or Unicode form', () => {
    it.each([
      ['Alice', 'alice'],
      ['ALICE', 'alice'],
      ['ａｌｉｃｅ', 'alice'], // full-width (NFKC compatibility)
      ['Ｂｏｂ.Smith', 'bob.smith'],
      ['ﬁona', 'fiona'], // the fi ligature
      ['Jose\u0301', 'jos\u00e9'], // decomposed accent composes
      ['JOS\u00c9', 'jos\u00e9'],
      ['Zoë@Example.COM', 'zoë@example.com'],
    ])('%j -> %j', (input, key) => {
      expect(usernameKey(input)).toBe(key);
    });

    it('keeps distinct names distinct', () => {
      expect(usernameKey('alice')).not.toBe(usernameKey('alice1'));
      expect(usernameKey('a.lice')).not.toBe(usernameKey('alice'));
    });
  });

  it('canonicalUsername keeps the case but applies NFKC', () => {
    expect(canonicalUsername('Ａlice')).toBe('Alice');
    expect(canonicalUsername('Jose\u0301')).toBe('Jos\u00e9');
  });

  describe('checkUsername', () => {
    it.each([
      'a',
      'alice',
      'Alice_Smith',
      'alice.smith+test@example.com',
      'bob-2',
      '007',
      'Émilie',
      'ユーザー',
      'ａｌｉｃｅ',
      'x'.repeat(USERNAME_MAX_LENGTH),
      // 64 code points, 128 UTF-16 units: counted as characters.
      '𝒜'.repeat(USERNAME_MAX_LENGTH),
    ])('accepts %j', (username) => {
      expect(checkUsername(username)).toBeUndefined();
    });

    it.each([
      ['', /1 to 64 characters/],
      ['x'.repeat(USERNAME_MAX_LENGTH + 1), /1 to 64 characters/],
      ['alice smith', /only letters/],
      [' alice', /start with a letter or digit/],
      ['.alice', /start with a letter or digit/],
      ['-alice', /start with a letter or digit/],
      ['alice\u0000', /only letters/],
      ['alice\u200b', /only letters/], // zero-width space
      ['alice/bob', /only letters/],
      ['alice"', /only letters/],
      ['<script>', /start with a letter or digit/],
      ['\u0301alice', /start with a letter or digit/], // a lone combining mark first
      [42, /must be a string/],
      [null, /must be a string/],
    ])('refuses %j', (username, problem) => {
      expect(checkUsername(username)).toMatch(problem);
    });
  });
});
