import { DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { CookieKind, CookieOptions, CookiePort } from './cookie-port';
import { CookieSigner } from './cookie-signer';
import { parseCookieHeader, serializeCookie } from './cookies';

const BASE_NAMES: Record<CookieKind, string> = {
  /** The SSO session id. */
  session: 'latchkey_session',
  /** A random id of this browser, which pending authorization requests are bound to. */
  browser: 'latchkey_browser',
};

export interface CookieJarOptions {
  /** COOKIE_SECRET: the first signs, every one verifies. */
  secrets: readonly string[];
  issuer: string;
}

export const COOKIE_JAR_OPTIONS = Symbol('COOKIE_JAR_OPTIONS');

/**
 * Reads and writes the gateway's signed cookies. A cookie whose signature does not verify (forged,
 * or signed with a secret no longer listed) reads as absent. With an https issuer the names carry the
 * `__Host-` prefix, which browsers only accept with Secure, Path=/ and no Domain: a sibling
 * subdomain cannot plant or overwrite them.
 */
@Injectable()
export class CookieJar {
  private readonly signer: CookieSigner;
  private readonly secure: boolean;

  constructor(@Inject(COOKIE_JAR_OPTIONS) options: CookieJarOptions) {
    this.signer = new CookieSigner(options.secrets);
    this.secure = new URL(options.issuer).protocol === 'https:';
  }

  nameOf(kind: CookieKind): string {
    return this.secure ? `__Host-${BASE_NAMES[kind]}` : BASE_NAMES[kind];
  }

  read(req: Request, kind: CookieKind): string | undefined {
    const name = this.nameOf(kind);
    return this.signer.verify(name, parseCookieHeader(req.headers.cookie).get(name));
  }

  /** Sets the cookie; without `maxAgeSeconds` it lasts until the browser closes. */
  write(res: Response, kind: CookieKind, value: string, maxAgeSeconds?: number): void {
    const name = this.nameOf(kind);
    appendSetCookie(
      res,
      serializeCookie(name, this.signer.sign(name, value), { secure: this.secure, maxAgeSeconds }),
    );
  }

  clear(res: Response, kind: CookieKind): void {
    appendSetCookie(
      res,
      serializeCookie(this.nameOf(kind), '', { secure: this.secure, maxAgeSeconds: 0 }),
    );
  }

  /** The cookies of one exchange, for services (which never see `req`/`res`). */
  port(req: Request, res: Response): CookiePort {
    return {
      get: (kind) => this.read(req, kind),
      set: (kind, value, options: CookieOptions = {}) =>
        this.write(res, kind, value, options.maxAgeSeconds),
      clear: (kind) => this.clear(res, kind),
    };
  }
}

function appendSetCookie(res: Response, cookie: string): void {
  const existing = res.getHeader('Set-Cookie');
  const list =
    existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

/** Provides the CookieJar (global): the secret and the issuer decide signatures and names. */
@Module({})
export class CookieJarModule {
  static forRoot(options: CookieJarOptions): DynamicModule {
    return {
      module: CookieJarModule,
      global: true,
      providers: [{ provide: COOKIE_JAR_OPTIONS, useValue: options }, CookieJar],
      exports: [CookieJar],
    };
  }
}
