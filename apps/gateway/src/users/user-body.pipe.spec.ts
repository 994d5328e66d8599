import { InvalidRequest } from '@latchkey/oauth';
import { ERROR_DESCRIPTION_CHARSET } from '@latchkey/testing';
import { UserBodyPipe } from './user-body.pipe';
import { CreateUserDto, UpdateUserDto } from './user.dto';

describe('user bodies (class-validator DTOs through UserBodyPipe)', () => {
  const create = new UserBodyPipe(CreateUserDto);
  const update = new UserBodyPipe(UpdateUserDto);
  const valid = { username: 'alice', password: 'correct horse' };

  /** Asserts the body is refused with invalid_request and answers the description. */
  async function refusal(pipe: UserBodyPipe<object>, body: object): Promise<string> {
    const error = await pipe.transform(body).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidRequest);
    const { status, description } = error as InvalidRequest;
    expect(status).toBe(400);
    expect(description).toMatch(ERROR_DESCRIPTION_CHARSET);
    return description!;
  }

  describe('CreateUserDto', () => {
    it('accepts the minimum and the full body, as an instance of the DTO', async () => {
      const minimal = await create.transform({ ...valid });
      expect(minimal).toBeInstanceOf(CreateUserDto);
      expect({ ...minimal }).toEqual(valid);
      const full = {
        ...valid,
        email: 'alice@example.com',
        email_verified: true,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
      };
      expect({ ...(await create.transform({ ...full })) }).toEqual(full);
    });

    it('accepts null for the optional profile fields', async () => {
      const body = { ...valid, email: null, name: null, given_name: null, family_name: null };
      await expect(create.transform(body)).resolves.toBeInstanceOf(CreateUserDto);
    });

    it.each([
      [{ password: 'correct horse' }, 'username is required'],
      [{ username: 'alice' }, 'password is required'],
      [{ ...valid, username: '' }, 'username must be 1 to 64 characters'],
      [{ ...valid, username: 'x'.repeat(65) }, 'username must be 1 to 64 characters'],
      [{ ...valid, username: 'alice smith' }, /^username must start with a letter or digit/],
      [{ ...valid, username: 42 }, 'username must be a string'],
      [{ ...valid, username: null }, 'username must be a string'],
      [{ ...valid, password: 'short' }, 'password must be 8 to 1024 characters'],
      [{ ...valid, password: 'x'.repeat(1025) }, 'password must be 8 to 1024 characters'],
      [{ ...valid, password: 12345678 }, 'password must be a string'],
      [{ ...valid, email: 'not-an-address' }, /^email must be an e-mail address/],
      [{ ...valid, email: `${'a'.repeat(250)}@x.io` }, /^email must be an e-mail address/],
      [{ ...valid, email: 7 }, /^email must be an e-mail address/],
      [{ ...valid, email_verified: 'yes' }, 'email_verified must be true or false'],
      [{ ...valid, email_verified: null }, 'email_verified must be true or false'],
      [{ ...valid, name: '' }, /^name must be 1 to 256 characters/],
      [{ ...valid, name: 'x'.repeat(257) }, /^name must be 1 to 256 characters/],
      [{ ...valid, given_name: 'Al\nice' }, /^given_name must be .* without control characters/],
      [{ ...valid, family_name: ['Liddell'] }, /^family_name must be 1 to 256 characters/],
    ])('refuses %j: %s', async (body, expected) => {
      const description = await refusal(create, body);
      if (typeof expected === 'string') expect(description).toBe(expected);
      else expect(description).toMatch(expected);
    });

    it('refuses unknown fields by name (forbidNonWhitelisted)', async () => {
      expect(await refusal(create, { ...valid, role: 'admin' })).toBe('unknown field role');
      expect(await refusal(create, { ...valid, disabled: true })).toBe('unknown field disabled');
      expect(await refusal(create, { ...valid, password_hash: '$argon2id$...' })).toBe(
        'unknown field password_hash',
      );
    });

    it('names an unknown field only with printable characters', async () => {
      expect(await refusal(create, { ...valid, 'x"\\é\n': 1 })).toBe('unknown field x????');
    });

    it('never puts the password in the description', async () => {
      const description = await refusal(create, { ...valid, password: 'hunter2' });
      expect(description).not.toContain('hunter2');
    });
  });

  describe('UpdateUserDto (merge patch)', () => {
    it('accepts an empty patch and each field alone', async () => {
      await expect(update.transform({})).resolves.toBeInstanceOf(UpdateUserDto);
      for (const patch of [
        { username: 'alice2' },
        { password: 'a new passphrase' },
        { email: 'a@example.com' },
        { email: null },
        { email_verified: false },
        { name: null },
        { given_name: 'Al' },
        { family_name: null },
        { disabled: true },
        { disabled: false },
      ]) {
        expect({ ...(await update.transform({ ...patch })) }).toEqual(patch);
      }
    });

    it.each([
      [{ username: null }, 'username must be a string'],
      [{ password: null }, 'password must be a string'],
      [{ password: 'short' }, 'password must be 8 to 1024 characters'],
      [{ disabled: null }, 'disabled must be true or false'],
      [{ disabled: 'true' }, 'disabled must be true or false'],
      [{ email_verified: 1 }, 'email_verified must be true or false'],
      [{ name: '' }, /^name must be 1 to 256 characters/],
      [{ id: 'another-sub' }, 'unknown field id'],
      [{ created_at: '2030-01-01T00:00:00Z' }, 'unknown field created_at'],
    ])('refuses %j: %s', async (body, expected) => {
      const description = await refusal(update, body);
      if (typeof expected === 'string') expect(description).toBe(expected);
      else expect(description).toMatch(expected);
    });
  });
});
