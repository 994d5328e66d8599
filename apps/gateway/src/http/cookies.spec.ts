import type { Request, Response } from 'express';
import { CookieJar } from './cookie-jar';
import { CookieSigner } from './cookie-signer';
import { parseCookieHeader, serializeCookie } from './cookies';

const SECRET = 'cookie-secret-0123456789-abcdefghijklmnop';

describe('CookieSigner', () => {
  const signer = new CookieSigner(SECRET);

  it('round-trips a value it signed', () => {
    const signed = signer.sign('latchkey_session', 'abc-123');
    expect(signed).toMatch(/^abc-123\.[A-Za-z0-9_-]{43}$/);
    expect(signer.verify('latchkey_session', signed)).toBe('abc-123');
  });

  it('refuses a changed value, a changed signature, and no signature', () => {
    const signed = signer.sign('latchkey_session', 'abc-123');
    const [, signature] = signed.split('.');
    expect(signer.verify('latchkey_session', `abc-124.${signature}`)).toBeUndefined();
    const flipped = signed.endsWith('A') ? 'B' : 'A';
    expect(signer.verify('latchkey_session', `${signed.slice(0, -1)}${flipped}`)).toBeUndefined();
    expect(signer.verify('latchkey_session', 'abc-123')).toBeUndefined();
    expect(signer.verify('latchkey_session', '.sig')).toBeUndefined();
    expect(signer.verify('latchkey_session', undefined)).toBeUndefined();
  });

  it('binds the signature to the cookie name and the key', () => {
    const signed = signer.sign('latchkey_browser', 'abc-123');
    expect(signer.verify('latchkey_session', signed)).toBeUndefined();
    expect(new CookieSigner(`${SECRET}-other`).verify('latchkey_browser', signed)).toBeUndefined();
  });

  it('needs a key of at least 32 characters', () => {
    expect(() => new CookieSigner('short')).toThrow(/at least 32/);
  });
});

describe('CookieSigner with several secrets (COOKIE_SECRET rotation)', () => {
  const OLD = `${SECRET}-old`;
  const NEW = `${SECRET}-new`;

  it('signs with the first secret and verifies with every one', () => {
    const before = new CookieSigner([OLD]).sign('latchkey_session', 'sid-1');
    const rotating = new CookieSigner([NEW, OLD]);
    expect(rotating.verify('latchkey_session', before)).toBe('sid-1');
    const after = rotating.sign('latchkey_session', 'sid-2');
    expect(new CookieSigner([NEW]).verify('latchkey_session', after)).toBe('sid-2');
    expect(new CookieSigner([OLD]).verify('latchkey_session', after)).toBeUndefined();
  });

  it('stops accepting a secret once it is dropped from the list', () => {
    const before = new CookieSigner([OLD]).sign('latchkey_session', 'sid-1');
    expect(new CookieSigner([NEW]).verify('latchkey_session', before)).toBeUndefined();
  });

  it('refuses an empty list or a short secret in it', () => {
    expect(() => new CookieSigner([])).toThrow(/at least 32/);
    expect(() => new CookieSigner([NEW, 'short'])).toThrow(/at least 32/);
  });

  it('reads a cookie through the jar signed before a rotation, and writes with the new secret', () => {
    const issuer = 'https://id.example.test';
    const old = new CookieJar({ secrets: [OLD], issuer });
    const rotated = new CookieJar({ secrets: [NEW, OLD], issuer });
    const headers: Record<string, string | string[]> = {};
    const res = {
      getHeader: (name: string) => headers[name],
      setHeader: (name: string, value: string | string[]) => (headers[name] = value),
    } as unknown as Response;
    old.write(res, 'session', 'sid-1');
    const cookie = String((headers['Set-Cookie'] as string[])[0]).split(';')[0]!;
    expect(rotated.read({ headers: { cookie } } as Request, 'session')).toBe('sid-1');
    rotated.write(res, 'session', 'sid-2');
    const next = String((headers['Set-Cookie'] as string[])[1]).split(';')[0]!;
    expect(
      new CookieJar({ secrets: [NEW], issuer }).read(
        { headers: { cookie: next } } as Request,
        'session',
      ),
    ).toBe('sid-2');
  });
});

describe('cookie headers', () => {
  it('parses names and values, first occurrence winning, skipping values we never set', () => {
    const cookies = parseCookieHeader('a=1; b="x.y"; a=2; c=<script>; d; =e; f=ok_-.');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'x.y'],
      ['f', 'ok_-.'],
    ]);
    expect(parseCookieHeader(undefined).size).toBe(0);
  });

  it('serialises with HttpOnly, SameSite=Lax, Path=/, and Secure when asked', () => {
    expect(serializeCookie('n', 'v.s', { secure: true, maxAgeSeconds: 3600 })).toBe(
      'n=v.s; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600',
    );
    expect(serializeCookie('n', 'v', { secure: false })).toBe(
      'n=v; Path=/; HttpOnly; SameSite=Lax',
    );
    expect(serializeCookie('n', '', { secure: false, maxAgeSeconds: 0 })).toBe(
      'n=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0',
    );
    expect(() => serializeCookie('n', 'a;b', { secure: false })).toThrow(RangeError);
  });
});

describe('CookieJar', () => {
  function response() {
    const headers: Record<string, unknown> = {};
    const res = {
      getHeader: (name: string) => headers[name.toLowerCase()],
      setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = value),
    };
    return { res: res as unknown as Response, setCookies: () => headers['set-cookie'] as string[] };
  }
  const request = (cookie: string) => ({ headers: { cookie } }) as unknown as Request;

  it('uses __Host- names and Secure for an https issuer', () => {
    const jar = new CookieJar({ secrets: [SECRET], issuer: 'https://id.example.test' });
    const { res, setCookies } = response();
    jar.write(res, 'session', 'sess-1', 60);
    jar.write(res, 'browser', 'br-1');
    const [session, browser] = setCookies();
    expect(session).toMatch(
      /^__Host-latchkey_session=sess-1\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=60$/,
    );
    expect(browser).toMatch(
      /^__Host-latchkey_browser=br-1\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    const cookieHeader = [session, browser].map((c) => c!.split(';')[0]).join('; ');
    expect(jar.read(request(cookieHeader), 'session')).toBe('sess-1');
    expect(jar.read(request(cookieHeader), 'browser')).toBe('br-1');
  });

  it('uses plain names without Secure for an http issuer (development)', () => {
    const jar = new CookieJar({ secrets: [SECRET], issuer: 'http://localhost:8080' });
    const { res, setCookies } = response();
    jar.clear(res, 'session');
    expect(setCookies()).toEqual(['latchkey_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0']);
  });

  it('reads a forged or foreign cookie as absent', () => {
    const jar = new CookieJar({ secrets: [SECRET], issuer: 'https://id.example.test' });
    expect(jar.read(request('__Host-latchkey_session=sess-1.forged'), 'session')).toBeUndefined();
    const other = new CookieJar({ secrets: [`${SECRET}-x`], issuer: 'https://id.example.test' });
    const { res, setCookies } = response();
    other.write(res, 'session', 'sess-1');
    expect(jar.read(request(setCookies()[0]!.split(';')[0]!), 'session')).toBeUndefined();
  });

  it('gives services a port over one exchange: signed on set, verified on get', () => {
    const jar = new CookieJar({ secrets: [SECRET], issuer: 'https://id.example.test' });
    const { res, setCookies } = response();
    const port = jar.port(request('__Host-latchkey_browser=br-1.forged'), res);
    expect(port.get('browser')).toBeUndefined();
    port.set('session', 'sess-1', { maxAgeSeconds: 60 });
    port.clear('browser');
    const [session, cleared] = setCookies();
    expect(session).toMatch(/^__Host-latchkey_session=sess-1\.[\w-]+; .*Max-Age=60$/);
    expect(cleared).toMatch(/^__Host-latchkey_browser=; .*Max-Age=0$/);
    const next = jar.port(request(session!.split(';')[0]!), response().res);
    expect(next.get('session')).toBe('sess-1');
  });
});
