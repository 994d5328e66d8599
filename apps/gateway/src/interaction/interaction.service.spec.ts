import { MemoryKvStore } from '@latchkey/kv';
import { InvalidRequest } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import type { AuthorizationRequest } from '../authorize/authorization-request';
import { FixedClock } from '../clock/clock';
import { CookieJar } from '../http/cookie-jar';
import { INTERACTION_TTL_MS } from './interaction';
import { InteractionService } from './interaction.service';
import { InteractionsRepository } from './interactions.repository';

const ISSUER = 'https://id.example.test';
const REQUEST: AuthorizationRequest = {
  client_id: 'web-app',
  redirect_uri: 'https://app.example.test/callback',
  redirect_uri_explicit: true,
  scopes: ['openid'],
  prompt: [],
};

describe('InteractionService', () => {
  let clock: FixedClock;
  let kv: MemoryKvStore;
  let service: InteractionService;
  const jar = new CookieJar({
    secrets: ['cookie-secret-0123456789-abcdefghijklmnop'],
    issuer: ISSUER,
  });

  function browser() {
    const cookies = new Map<string, string>();
    const req = (headers: Record<string, string> = {}) =>
      ({
        headers: { cookie: [...cookies].map(([n, v]) => `${n}=${v}`).join('; '), ...headers },
      }) as unknown as Request;
    const res = {
      getHeader: () => undefined,
      setHeader: (_name: string, value: string[]) => {
        for (const line of value) {
          const [name = '', v = ''] = line.split(';')[0]!.split('=');
          cookies.set(name, v);
        }
      },
    } as unknown as Response;
    return { req, res, cookies };
  }

  beforeEach(() => {
    clock = new FixedClock(1_700_000_000_000);
    kv = new MemoryKvStore({ now: () => clock.now().getTime(), sweepIntervalMs: 0 });
    service = new InteractionService(new InteractionsRepository(kv), jar, clock, ISSUER);
  });

  afterEach(() => kv.close());

  it('binds a new interaction to the browser with a signed cookie', async () => {
    const b = browser();
    const started = await service.start(b.req(), b.res, REQUEST, 'Web App');
    expect([...b.cookies.keys()]).toEqual(['__Host-latchkey_browser']);
    const loaded = await service.load(b.req(), b.res, started.id);
    expect(loaded.interaction).toEqual(started);
  });

  it('reads as expired from another browser, by a forged cookie, or once the TTL passed', async () => {
    const b = browser();
    const started = await service.start(b.req(), b.res, REQUEST, 'Web App');
    const other = browser();
    await service.start(other.req(), other.res, REQUEST, 'Web App');
    await expect(service.load(other.req(), other.res, started.id)).rejects.toThrow(
      /expired or belongs to another browser/,
    );
    const forged = { headers: { cookie: '__Host-latchkey_browser=x.y' } } as Request;
    await expect(service.load(forged, b.res, started.id)).rejects.toBeInstanceOf(InvalidRequest);
    await expect(service.load(b.req(), b.res, 'unknown-interaction-id')).rejects.toBeInstanceOf(
      InvalidRequest,
    );
    await expect(service.load(b.req(), b.res, '../../etc')).rejects.toBeInstanceOf(InvalidRequest);
    clock.advance(INTERACTION_TTL_MS);
    await expect(service.load(b.req(), b.res, started.id)).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('binds an unbound (form-posted) interaction to the first browser that continues it', async () => {
    const poster = browser();
    const parked = await service.start(poster.req(), poster.res, REQUEST, 'Web App', {
      bind: false,
    });
    expect(parked.browser).toBeNull();
    expect(poster.cookies.size).toBe(0);
    const b = browser();
    const loaded = await service.load(b.req(), b.res, parked.id);
    expect(loaded.interaction.browser).toEqual(expect.any(String));
    await expect(service.load(browser().req(), b.res, parked.id)).rejects.toBeInstanceOf(
      InvalidRequest,
    );
    await expect(service.load(b.req(), b.res, parked.id)).resolves.toBeDefined();
  });

  it('checks the form: CSRF token and origin', async () => {
    const b = browser();
    const started = await service.start(b.req(), b.res, REQUEST, 'Web App');
    expect(() => service.checkForm(b.req(), started, started.csrf)).not.toThrow();
    expect(() => service.checkForm(b.req(), started, 'forged')).toThrow(InvalidRequest);
    expect(() =>
      service.checkForm(b.req({ origin: 'https://evil.example' }), started, started.csrf),
    ).toThrow('the form was posted from another site');
  });

  it('is finished once: a second claim fails, an update after the claim fails', async () => {
    const b = browser();
    const started = await service.start(b.req(), b.res, REQUEST, 'Web App');
    const loaded = await service.load(b.req(), b.res, started.id);
    const [first, second] = await Promise.allSettled([
      service.claim(loaded),
      service.claim(loaded),
    ]);
    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
    await expect(
      service.update(loaded, { ...started, logged_in_here: true }),
    ).rejects.toBeInstanceOf(InvalidRequest);
  });

  it('restores a claimed interaction for its remaining lifetime', async () => {
    const b = browser();
    const started = await service.start(b.req(), b.res, REQUEST, 'Web App');
    const claimed = await service.claim(await service.load(b.req(), b.res, started.id));
    clock.advance(60_000);
    await service.restore(claimed);
    await expect(service.load(b.req(), b.res, started.id)).resolves.toBeDefined();
    expect(await kv.ttl(`gateway:interaction:${started.id}`)).toBe(INTERACTION_TTL_MS - 60_000);
  });
});
