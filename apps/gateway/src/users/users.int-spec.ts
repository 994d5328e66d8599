/**
 * The users module on a real database, twice: the machine's Postgres (a fresh database) and an
 * in-memory PGlite (embedded mode). HTTP through the real AdminGuard, exception filter and body
 * parsers; the token service is a fake bus, so its outages can be staged.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TokenSubjects } from '@latchkey/contracts';
import type { DatabaseConnectionOptions } from '@latchkey/persistence';
import { TemporarilyUnavailable } from '@latchkey/oauth';
import {
  createTestDatabase,
  describeWithBackends,
  ERROR_DESCRIPTION_CHARSET,
  oauthErrorBody,
  uniqueSuffix,
} from '@latchkey/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { FakeBus } from '../fixtures/fake-bus.fixture';
import { startUsersApp } from './fixtures/users-app.fixture';
import { UserEvents, type UserAccessEnded } from './user-events';
import type { UserPage, UserView } from './user';
import { UsersService } from './users.service';

// The module object itself (not an ES-module copy of it), so that spies see the service's calls.
const argon2 = jest.requireActual<typeof import('argon2')>('argon2');

jest.setTimeout(60_000);

const USER_FIELDS = [
  'attributes',
  'created_at',
  'disabled',
  'email',
  'email_verified',
  'family_name',
  'given_name',
  'groups',
  'id',
  'name',
  'resource_roles',
  'roles',
  'updated_at',
  'username',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Backend {
  database: DatabaseConnectionOptions;
  close?: () => Promise<void>;
}

function usersSuite(open: () => Promise<Backend>): void {
  let backend: Backend;
  let app: NestExpressApplication;
  let bus: FakeBus;
  let adminToken: string;
  let userToken: string;
  let users: UsersService;
  let dataSource: DataSource;
  let ended: UserAccessEnded[];

  beforeAll(async () => {
    backend = await open();
    ({ app, bus, adminToken, userToken } = await startUsersApp(backend.database));
    users = app.get(UsersService);
    dataSource = app.get(DataSource);
    ended = [];
    app.get(UserEvents).onAccessEnded((event) => void ended.push(event));
  });

  afterAll(async () => {
    await app?.close();
    await backend?.close?.();
  });

  beforeEach(() => {
    bus.requests.length = 0;
    ended.length = 0;
    bus.on(TokenSubjects.RevokeUserGrants, () => ({ revoked: 1 }));
  });

  afterEach(() => jest.restoreAllMocks());

  const http = () => request(app.getHttpServer());
  const admin = (req: request.Test) => req.set('Authorization', `Bearer ${adminToken}`);
  const post = (body: object) => admin(http().post('/admin/users')).send(body);
  const patch = (id: string, body: object) => admin(http().patch(`/admin/users/${id}`)).send(body);
  const get = (path: string) => admin(http().get(path));
  const del = (id: string) => admin(http().delete(`/admin/users/${id}`));
  const userOf = (res: request.Response) => res.body as UserView;
  const pageOf = (res: request.Response) => res.body as UserPage;

  async function createUser(body: object = {}): Promise<UserView> {
    const res = await post({
      username: `user-${uniqueSuffix()}`,
      password: 'correct horse',
      ...body,
    });
    expect(res.status).toBe(201);
    return userOf(res);
  }

  function expectError(res: request.Response, status: number, error: string): string {
    const body = oauthErrorBody(res);
    expect({ status: res.status, error: body.error }).toEqual({ status, error });
    expect(res.headers['cache-control']).toBe('no-store');
    const description = body.error_description;
    if (description !== undefined) expect(description).toMatch(ERROR_DESCRIPTION_CHARSET);
    return description ?? '';
  }

  async function storedRow(id: string): Promise<Record<string, unknown> | undefined> {
    const rows: Array<Record<string, unknown>> = await dataSource.query(
      `SELECT * FROM "gateway"."users" WHERE "id" = $1`,
      [id],
    );
    return rows[0];
  }

  describe('POST /admin/users', () => {
    it('creates the user: 201 with the view, never the password or its hash', async () => {
      const res = await post({
        username: 'Alice',
        password: 'correct horse battery',
        email: 'alice@example.com',
        email_verified: true,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
      });
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Object.keys(userOf(res)).sort()).toEqual(USER_FIELDS);
      expect(res.body).toMatchObject({
        username: 'Alice',
        email: 'alice@example.com',
        email_verified: true,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
        disabled: false,
      });
      const view = userOf(res);
      expect(view.id).toMatch(UUID);
      expect(view.created_at).toBe(view.updated_at);
      expect(new Date(view.created_at).toISOString()).toBe(view.created_at);
      expect(res.text).not.toContain('correct horse');
      expect(res.text).not.toContain('argon2');

      const row = (await storedRow(view.id))!;
      expect(row.username_normalized).toBe('alice');
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      await expect(
        argon2.verify(row.password_hash as string, 'correct horse battery'),
      ).resolves.toBe(true);
    });

    it('defaults the optional fields', async () => {
      const user = await createUser();
      expect(user).toMatchObject({
        email: null,
        email_verified: false,
        name: null,
        given_name: null,
        family_name: null,
        disabled: false,
      });
    });

    it('stores the username in NFKC', async () => {
      const user = await createUser({ username: 'Ｈａｔｔｅｒ' });
      expect(user.username).toBe('Hatter');
    });

    it('answers 409 for a username taken in any case or Unicode form', async () => {
      await createUser({ username: 'bob' });
      for (const taken of ['bob', 'Bob', 'BOB', 'ｂｏｂ', 'Ｂｏｂ']) {
        const res = await post({ username: taken, password: 'another password' });
        expect(expectError(res, 409, 'conflict')).toBe('username is taken');
      }
    });

    it('lets only one of two concurrent creations of one username (any case) win', async () => {
      const name = `race-${uniqueSuffix()}`;
      const answers = await Promise.all([
        post({ username: name, password: 'password one' }),
        post({ username: name.toUpperCase(), password: 'password two' }),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    });

    it.each([
      [{ password: 'correct horse' }, 'username is required'],
      [{ username: 'carol', password: 'short' }, 'password must be 8 to 1024 characters'],
      [{ username: 'carol carol', password: 'correct horse' }, /^username must start/],
      [{ username: 'carol', password: 'correct horse', email: 'nope' }, /^email must be/],
      [{ username: 'carol', password: 'correct horse', admin: true }, 'unknown field admin'],
      [{ username: 'carol', password: 'correct horse', id: 'chosen-sub' }, 'unknown field id'],
    ])('answers 400 invalid_request naming the field for %j', async (body, expected) => {
      const description = expectError(await post(body), 400, 'invalid_request');
      if (typeof expected === 'string') expect(description).toBe(expected);
      else expect(description).toMatch(expected);
    });

    it('answers 400 for a body that is not JSON, or not a JSON object', async () => {
      expectError(
        await admin(http().post('/admin/users')).type('form').send('username=a&password=b'),
        400,
        'invalid_request',
      );
      expectError(
        await admin(http().post('/admin/users')).type('json').send('["alice"]'),
        400,
        'invalid_request',
      );
    });

    it('answers 401 without a token and 403 for a token without the admin scope', async () => {
      const body = { username: 'mallory', password: 'correct horse' };
      const anonymous = await http().post('/admin/users').send(body);
      expectError(anonymous, 401, 'invalid_token');
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expectError(
        await http().post('/admin/users').set('Authorization', `Bearer ${userToken}`).send(body),
        403,
        'insufficient_scope',
      );
      expectError(await http().get('/admin/users'), 401, 'invalid_token');
      expect(pageOf(await get('/admin/users?username=mallory')).items).toEqual([]);
    });
  });

  describe('GET /admin/users', () => {
    it('walks every user once, in creation order, a page at a time', async () => {
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createUser()).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const res = await get(`/admin/users${query}`);
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const page = pageOf(res);
        expect(page.items.length).toBeLessThanOrEqual(2);
        for (const item of page.items) {
          expect(Object.keys(item).sort()).toEqual(USER_FIELDS);
          seen.push(item.id);
        }
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      // The five just created come last, in order.
      expect(seen.slice(-5)).toEqual(created);
      expect(pages).toBe(Math.ceil(seen.length / 2));
    });

    it('answers next_cursor null on the last page', async () => {
      const res = await get('/admin/users?limit=200');
      expect(res.status).toBe(200);
      expect(pageOf(res).next_cursor).toBeNull();
    });

    it('finds one user by username, in any case', async () => {
      const user = await createUser({ username: 'Dinah' });
      for (const username of ['Dinah', 'DINAH', 'dinah']) {
        const res = await get(`/admin/users?username=${username}`);
        expect(res.body).toEqual({ items: [user], next_cursor: null });
      }
      const none = await get('/admin/users?username=nobody-at-all');
      expect(none.body).toEqual({ items: [], next_cursor: null });
    });

    it.each([['?limit=0'], ['?limit=201'], ['?limit=x'], ['?cursor=bogus'], ['?limit=1&limit=2']])(
      'answers 400 invalid_request for %s',
      async (query) => {
        expectError(await get(`/admin/users${query}`), 400, 'invalid_request');
      },
    );
  });

  describe('GET /admin/users/:id', () => {
    it('answers the user', async () => {
      const user = await createUser({ email: 'x@example.com' });
      const res = await get(`/admin/users/${user.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(user);
    });

    it('answers 404 not_found for an unknown id', async () => {
      expectError(await get('/admin/users/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
      expectError(await get('/admin/users/not-even-a-uuid'), 404, 'not_found');
    });
  });

  describe('PATCH /admin/users/:id', () => {
    it('changes the password: the old one stops working, the new one works, rehashed', async () => {
      const user = await createUser({ username: 'Eve' });
      const before = (await storedRow(user.id))!.password_hash;
      await expect(users.verifyCredentials('eve', 'correct horse')).resolves.toMatchObject({
        id: user.id,
      });
      const res = await patch(user.id, { password: 'a brand new passphrase' });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('passphrase');
      expect(Object.keys(userOf(res)).sort()).toEqual(USER_FIELDS);
      expect((await storedRow(user.id))!.password_hash).not.toBe(before);
      await expect(users.verifyCredentials('eve', 'correct horse')).resolves.toBeNull();
      await expect(users.verifyCredentials('EVE', 'a brand new passphrase')).resolves.toMatchObject(
        { id: user.id, username: 'Eve' },
      );
      // A password change alone ends nothing.
      expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([]);
    });

    it('merges profile fields (null clears), moves updated_at, keeps the rest', async () => {
      const user = await createUser({ name: 'Frank', given_name: 'F', email: 'f@example.com' });
      const res = await patch(user.id, { name: null, family_name: 'Smith' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: user.id,
        username: user.username,
        name: null,
        given_name: 'F',
        family_name: 'Smith',
        email: 'f@example.com',
        created_at: user.created_at,
      });
      expect(userOf(res).updated_at >= user.updated_at).toBe(true);
      expect((await get(`/admin/users/${user.id}`)).body).toEqual(res.body);
    });

    it('a new email address is unverified unless the patch says so', async () => {
      const user = await createUser({ email: 'g@example.com', email_verified: true });
      const res = await patch(user.id, { email: 'g2@example.com' });
      expect(res.body).toMatchObject({ email: 'g2@example.com', email_verified: false });
    });

    it('accepts application/merge-patch+json', async () => {
      const user = await createUser();
      const res = await admin(http().patch(`/admin/users/${user.id}`))
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify({ given_name: 'Merged' }));
      expect(res.status).toBe(200);
      expect(userOf(res).given_name).toBe('Merged');
    });

    it('renames; a username taken in any case is 409, and nothing changes', async () => {
      await createUser({ username: 'Hatter2' });
      const user = await createUser({ name: 'Before' });
      expectError(await patch(user.id, { username: 'HATTER2', name: 'After' }), 409, 'conflict');
      expect((await get(`/admin/users/${user.id}`)).body).toEqual(user);
      const renamed = await patch(user.id, { username: 'March-Hare' });
      expect(userOf(renamed).username).toBe('March-Hare');
      await expect(users.verifyCredentials('march-hare', 'correct horse')).resolves.not.toBeNull();
    });

    it.each([
      [{ password: 'short' }, 'password must be 8 to 1024 characters'],
      [{ disabled: 'yes' }, 'disabled must be true or false'],
      [{ username: null }, 'username must be a string'],
      [{ password_hash: 'x' }, 'unknown field password_hash'],
    ])('answers 400 invalid_request for %j', async (body, expected) => {
      const user = await createUser();
      expect(expectError(await patch(user.id, body), 400, 'invalid_request')).toBe(expected);
    });

    it('answers 404 for an unknown id', async () => {
      expectError(
        await patch('00000000-0000-4000-8000-000000000000', { name: 'x' }),
        404,
        'not_found',
      );
      expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([]);
    });

    describe('disabled: true', () => {
      it('disables the user, revokes their grants and ends their sessions', async () => {
        const user = await createUser({ username: 'Ivy' });
        // Disabled (and committed) before the grants are revoked: no login can slip in between.
        const seenByRevoke: unknown[] = [];
        bus.on(TokenSubjects.RevokeUserGrants, async () => {
          seenByRevoke.push((await users.findById(user.id))?.disabled);
          return { revoked: 1 };
        });
        const res = await patch(user.id, { disabled: true });
        expect(seenByRevoke).toEqual([true]);
        expect(res.status).toBe(200);
        expect(userOf(res).disabled).toBe(true);
        expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([{ sub: user.id }]);
        expect(ended).toEqual([{ sub: user.id, reason: 'disabled' }]);
        // The right password no longer logs in, and sessions see the user as gone.
        await expect(users.verifyCredentials('ivy', 'correct horse')).resolves.toBeNull();
        await expect(users.findActiveById(user.id)).resolves.toBeNull();
        await expect(users.findById(user.id)).resolves.toMatchObject({ disabled: true });
      });

      it('token service unreachable: 503, the user stays disabled, and a retry finishes', async () => {
        const user = await createUser({ username: 'Jack' });
        bus.on(TokenSubjects.RevokeUserGrants, () => {
          throw new TemporarilyUnavailable();
        });
        const failed = await patch(user.id, { disabled: true });
        expectError(failed, 503, 'temporarily_unavailable');
        expect(failed.headers['retry-after']).toBe('5');
        expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([{ sub: user.id }]);
        // Disabled first, so no new login slips in while grants are still being revoked...
        expect(userOf(await get(`/admin/users/${user.id}`)).disabled).toBe(true);
        await expect(users.verifyCredentials('jack', 'correct horse')).resolves.toBeNull();
        // ...and the sessions were ended anyway.
        expect(ended).toEqual([{ sub: user.id, reason: 'disabled' }]);

        // The admin repeats the request once the token service is back: it revokes again.
        bus.on(TokenSubjects.RevokeUserGrants, () => ({ revoked: 3 }));
        const retried = await patch(user.id, { disabled: true });
        expect(retried.status).toBe(200);
        expect(userOf(retried).disabled).toBe(true);
        expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([
          { sub: user.id },
          { sub: user.id },
        ]);
      });

      it('re-enabling (disabled: false) lets the user in again and revokes nothing', async () => {
        const user = await createUser({ username: 'Kate' });
        await patch(user.id, { disabled: true });
        bus.requests.length = 0;
        const res = await patch(user.id, { disabled: false });
        expect(userOf(res).disabled).toBe(false);
        expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([]);
        await expect(users.verifyCredentials('kate', 'correct horse')).resolves.not.toBeNull();
      });
    });
  });

  describe('DELETE /admin/users/:id', () => {
    it('revokes grants, ends sessions, deletes: 204, then 404', async () => {
      const user = await createUser({ username: 'Liam' });
      const seenByRevoke: unknown[] = [];
      bus.on(TokenSubjects.RevokeUserGrants, async () => {
        seenByRevoke.push((await users.findById(user.id))?.disabled);
        return { revoked: 1 };
      });
      const res = await del(user.id);
      // Still there, and disabled, while the grants are revoked; deleted after.
      expect(seenByRevoke).toEqual([true]);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(bus.requestsFor(TokenSubjects.RevokeUserGrants)).toEqual([{ sub: user.id }]);
      expect(ended).toEqual([{ sub: user.id, reason: 'deleted' }]);
      expectError(await get(`/admin/users/${user.id}`), 404, 'not_found');
      expectError(await del(user.id), 404, 'not_found');
      await expect(users.verifyCredentials('liam', 'correct horse')).resolves.toBeNull();
      // The username is free again.
      await createUser({ username: 'liam' });
    });

    it('token service unreachable: 503, the user is kept (disabled) so the retry can finish', async () => {
      const user = await createUser({ username: 'Mia' });
      bus.on(TokenSubjects.RevokeUserGrants, () => {
        throw new TemporarilyUnavailable();
      });
      expectError(await del(user.id), 503, 'temporarily_unavailable');
      const kept = await get(`/admin/users/${user.id}`);
      expect(kept.status).toBe(200);
      expect(userOf(kept).disabled).toBe(true);
      await expect(users.verifyCredentials('mia', 'correct horse')).resolves.toBeNull();

      bus.on(TokenSubjects.RevokeUserGrants, () => ({ revoked: 0 }));
      expect((await del(user.id)).status).toBe(204);
      expectError(await get(`/admin/users/${user.id}`), 404, 'not_found');
    });
  });

  describe('UsersService.verifyCredentials on the database', () => {
    it('takes the dummy-hash path for an unknown username: argon2.verify runs once', async () => {
      const verify = jest.spyOn(argon2, 'verify');
      await expect(users.verifyCredentials('no-such-user', 'correct horse')).resolves.toBeNull();
      expect(verify).toHaveBeenCalledTimes(1);
      const hashes = await dataSource.query<Array<{ password_hash: string }>>(
        `SELECT "password_hash" FROM "gateway"."users"`,
      );
      // Not any user's hash: a dummy with the current parameters.
      expect(hashes.map((r) => r.password_hash)).not.toContain(verify.mock.calls[0]![0]);
      expect(verify.mock.calls[0]![0]).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    });

    it('upgrades a hash made with weaker parameters on login', async () => {
      const user = await createUser({ username: 'Nora' });
      const weak = await argon2.hash('correct horse', {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 1,
        parallelism: 1,
      });
      await dataSource.query(`UPDATE "gateway"."users" SET "password_hash" = $2 WHERE "id" = $1`, [
        user.id,
        weak,
      ]);
      await expect(users.verifyCredentials('nora', 'correct horse')).resolves.not.toBeNull();
      const upgraded = (await storedRow(user.id))!.password_hash as string;
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      await expect(argon2.verify(upgraded, 'correct horse')).resolves.toBe(true);
    });

    it('releases claims by scope for a verified user', async () => {
      await createUser({ username: 'Olive', email: 'olive@example.com', given_name: 'Olive' });
      const user = (await users.verifyCredentials('olive', 'correct horse'))!;
      expect(users.claimsFor(user, new Set(['openid', 'profile', 'email']))).toEqual({
        sub: user.id,
        preferred_username: 'Olive',
        given_name: 'Olive',
        updated_at: Math.floor(user.updatedAt.getTime() / 1000),
        email: 'olive@example.com',
        email_verified: false,
      });
    });
  });
}

describeWithBackends(['postgres'], 'users (gateway) on Postgres', () => {
  usersSuite(async () => {
    const database = await createTestDatabase('latchkey_users');
    return { database: { databaseUrl: database.url }, close: () => database.drop() };
  });
});

describe('users (gateway) on PGlite in memory', () => {
  usersSuite(async () => ({ database: { dataDir: `memory://users-${uniqueSuffix()}` } }));
});
