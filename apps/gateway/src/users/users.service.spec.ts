import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { ARGON2_PARAMETERS, PasswordHasher } from './password.hasher';
import type { UserEntity } from './user.entity';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

// The module object itself (not an ES-module copy of it), so that spies see the service's calls.
const argon2 = jest.requireActual<typeof import('argon2')>('argon2');

/** The users table as a map keyed by the normalised username; records hash replacements. */
class FakeUsers {
  readonly rows = new Map<string, UserEntity>();
  readonly replaced: Array<{ id: string; from: string; to: string }> = [];
  failReplace = false;

  findByUsernameKey = async (_em: EntityManager, key: string) => this.rows.get(key) ?? null;

  findById = async (_em: EntityManager, id: string) =>
    [...this.rows.values()].find((row) => row.id === id) ?? null;

  replacePasswordHash = async (_em: EntityManager, id: string, from: string, to: string) => {
    if (this.failReplace)
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    this.replaced.push({ id, from, to });
    return true;
  };

  asRepository(): UsersRepository {
    return this as unknown as UsersRepository;
  }
}

describe('UsersService (login)', () => {
  let users: FakeUsers;
  let hasher: PasswordHasher;
  let service: UsersService;

  async function addUser(overrides: Partial<UserEntity> & { password?: string } = {}) {
    const { password = 'correct horse', ...fields } = overrides;
    const row: UserEntity = {
      id: 'sub-alice',
      seq: '1',
      username: 'Alice',
      usernameNormalized: 'alice',
      passwordHash: await hasher.hash(password),
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice Liddell',
      givenName: 'Alice',
      familyName: 'Liddell',
      disabled: false,
      groups: [],
      roles: [],
      resourceRoles: {},
      attributes: {},
      createdAt: new Date('2030-01-01T00:00:00Z'),
      updatedAt: new Date('2030-01-02T00:00:00Z'),
      ...fields,
    };
    users.rows.set(row.usernameNormalized, row);
    return row;
  }

  beforeEach(async () => {
    users = new FakeUsers();
    hasher = new PasswordHasher();
    await hasher.onModuleInit();
    service = new UsersService({ manager: {} } as DataSource, users.asRepository(), hasher);
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers the user, without the hash, for the right password in any username case', async () => {
    await addUser();
    for (const username of ['alice', 'ALICE', 'ａｌｉｃｅ']) {
      const user = await service.verifyCredentials(username, 'correct horse');
      expect(user).toEqual({
        id: 'sub-alice',
        username: 'Alice',
        email: 'alice@example.com',
        emailVerified: true,
        name: 'Alice Liddell',
        givenName: 'Alice',
        familyName: 'Liddell',
        disabled: false,
        groups: [],
        roles: [],
        resourceRoles: {},
        attributes: {},
        createdAt: new Date('2030-01-01T00:00:00Z'),
        updatedAt: new Date('2030-01-02T00:00:00Z'),
      });
      expect(JSON.stringify(user)).not.toContain('argon2');
    }
  });

  it('matches a password typed in another Unicode form (NFKC)', async () => {
    await addUser({ password: 'caf\u00e9 au lait' });
    await expect(service.verifyCredentials('alice', 'cafe\u0301 au lait')).resolves.not.toBeNull();
  });

  it('answers null for a wrong password', async () => {
    await addUser();
    await expect(service.verifyCredentials('alice', 'wrong horse')).resolves.toBeNull();
  });

  it('answers null for a disabled user even with the right password, after verifying it', async () => {
    const row = await addUser({ disabled: true });
    const verify = jest.spyOn(argon2, 'verify');
    await expect(service.verifyCredentials('alice', 'correct horse')).resolves.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0]![0]).toBe(row.passwordHash);
  });

  it('verifies an unknown username against the dummy hash (same work), and answers null', async () => {
    const verify = jest.spyOn(argon2, 'verify');
    await expect(service.verifyCredentials('nobody', 'correct horse')).resolves.toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
    const [dummy] = verify.mock.calls[0]!;
    // The dummy hash uses the current parameters, so it costs what a real user's hash costs.
    expect(dummy).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(argon2.needsRehash(dummy, ARGON2_PARAMETERS)).toBe(false);
  });

  it('uses one dummy hash for every unknown username', async () => {
    const verify = jest.spyOn(argon2, 'verify');
    await service.verifyCredentials('nobody', 'x');
    await service.verifyCredentials('someone-else', 'y');
    expect(verify.mock.calls[0]![0]).toBe(verify.mock.calls[1]![0]);
  });

  describe('rehash on login', () => {
    it('upgrades a hash made with weaker parameters, only while it is unchanged', async () => {
      const weak = await argon2.hash('correct horse', {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 1,
        parallelism: 1,
      });
      await addUser({ passwordHash: weak });
      await expect(service.verifyCredentials('alice', 'correct horse')).resolves.not.toBeNull();
      expect(users.replaced).toHaveLength(1);
      const { id, from, to } = users.replaced[0]!;
      expect({ id, from }).toEqual({ id: 'sub-alice', from: weak });
      expect(to).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      await expect(argon2.verify(to, 'correct horse')).resolves.toBe(true);
    });

    it('leaves a current hash alone', async () => {
      await addUser();
      await service.verifyCredentials('alice', 'correct horse');
      expect(users.replaced).toEqual([]);
    });

    it('does not rehash on a failed login', async () => {
      const weak = await argon2.hash('correct horse', {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 1,
      });
      await addUser({ passwordHash: weak });
      await service.verifyCredentials('alice', 'wrong horse');
      expect(users.replaced).toEqual([]);
    });

    it('still logs the user in when the upgrade cannot be stored, and logs no secret', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const weak = await argon2.hash('correct horse', {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 1,
      });
      await addUser({ passwordHash: weak });
      users.failReplace = true;
      await expect(service.verifyCredentials('alice', 'correct horse')).resolves.not.toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0]![0]);
      expect(line).toMatch(/sub-alice/);
      expect(line).not.toMatch(/correct horse|argon2/);
    });
  });

  it('findById answers any user, findActiveById only one who is not disabled', async () => {
    await addUser({ disabled: true });
    await expect(service.findById('sub-alice')).resolves.toMatchObject({ disabled: true });
    await expect(service.findActiveById('sub-alice')).resolves.toBeNull();
    await expect(service.findById('nobody')).resolves.toBeNull();
    users.rows.get('alice')!.disabled = false;
    await expect(service.findActiveById('sub-alice')).resolves.toMatchObject({ id: 'sub-alice' });
  });

  it('claimsFor releases by scope', async () => {
    await addUser();
    const user = (await service.findById('sub-alice'))!;
    expect(service.claimsFor(user, new Set(['openid', 'email']))).toEqual({
      sub: 'sub-alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  });
});
