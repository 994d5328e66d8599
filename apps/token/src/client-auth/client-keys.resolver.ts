import { Inject, Injectable, Optional } from '@nestjs/common';
import { InvalidClient } from '@latchkey/oauth';
import { OutboundHttp } from '@latchkey/platform';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { TokenClient } from '../clients/client-record';

export interface ClientKeysOptions {
  /** A jwks_uri that does not answer within this time fails the authentication (ms). */
  timeoutMs: number;
  /** How long a fetched key set is used before it is fetched again (ms). */
  cacheMaxAgeMs: number;
  /** After a fetch, an unknown kid does not trigger another one for this long (ms). */
  cooldownMs: number;
  /** Distinct jwks_uris kept; beyond it the oldest is dropped. */
  maxRemoteSets: number;
}

export const CLIENT_KEYS_OPTIONS = 'LATCHKEY_CLIENT_KEYS_OPTIONS';

/**
 * Well under the bus deadline (5 s by default), so a slow jwks_uri becomes invalid_client rather
 * than a timeout of the whole token request. Cache and cooldown are jose's defaults: a client that
 * rotates keys is picked up at its next unknown kid, at most once every 30 s.
 */
export const DEFAULT_CLIENT_KEYS_OPTIONS: ClientKeysOptions = {
  timeoutMs: 2000,
  cacheMaxAgeMs: 10 * 60_000,
  cooldownMs: 30_000,
  maxRemoteSets: 1000,
};

/** A key set is a few keys; anything much larger is not one. */
const MAX_JWKS_BYTES = 64 * 1024;

/**
 * The public keys that verify a client's assertions: its registered `jwks`, or the key set at its
 * `jwks_uri`, fetched with a deadline and cached per URI (shared by every request and every
 * client record version that names it). The fetch goes through the outbound policy
 * (OutboundHttp): the URI was checked at registration, and it and every address it resolves to
 * are checked again at each fetch; a refused target fails the authentication like an
 * unreachable one.
 */
@Injectable()
export class ClientKeysResolver {
  private readonly options: ClientKeysOptions;
  /** Keyed by the record's jwks object: a changed client is a new record, hence a new set. */
  private readonly local = new WeakMap<object, JWTVerifyGetKey>();
  private readonly remote = new Map<string, JWTVerifyGetKey>();

  private readonly outbound: OutboundHttp;

  constructor(
    @Optional() @Inject(CLIENT_KEYS_OPTIONS) options?: Partial<ClientKeysOptions>,
    @Optional() outbound?: OutboundHttp,
  ) {
    this.options = { ...DEFAULT_CLIENT_KEYS_OPTIONS, ...options };
    // Without an injected policy, the strict one: public https only.
    this.outbound = outbound ?? new OutboundHttp();
  }

  forClient(client: TokenClient): JWTVerifyGetKey {
    if (client.jwks) return this.localSet(client.jwks);
    if (client.jwks_uri) return this.remoteSet(client.jwks_uri);
    throw new InvalidClient('client has neither jwks nor jwks_uri');
  }

  private localSet(jwks: NonNullable<TokenClient['jwks']>): JWTVerifyGetKey {
    let set = this.local.get(jwks);
    if (!set) {
      try {
        set = createLocalJWKSet(jwks as JSONWebKeySet);
      } catch {
        throw new InvalidClient('client jwks is not a usable JSON Web Key Set');
      }
      this.local.set(jwks, set);
    }
    return set;
  }

  private remoteSet(uri: string): JWTVerifyGetKey {
    let set = this.remote.get(uri);
    if (!set) {
      set = createRemoteJWKSet(checkJwksUri(uri), {
        timeoutDuration: this.options.timeoutMs,
        cacheMaxAge: this.options.cacheMaxAgeMs,
        cooldownDuration: this.options.cooldownMs,
        [customFetch]: (url, init) =>
          this.outbound.fetch(url, {
            method: 'GET',
            headers: Object.fromEntries(init.headers.entries()),
            timeoutMs: this.options.timeoutMs,
            maxResponseBytes: MAX_JWKS_BYTES,
            signal: init.signal,
          }),
      });
      while (this.remote.size >= this.options.maxRemoteSets) {
        const oldest = this.remote.keys().next();
        if (oldest.done) break;
        this.remote.delete(oldest.value);
      }
      this.remote.set(uri, set);
    }
    return set;
  }
}

/** A stored jwks_uri that is not even a URL fails the authentication, never the request. */
export function checkJwksUri(uri: string): URL {
  try {
    return new URL(uri);
  } catch {
    throw new InvalidClient('client jwks_uri is not a URL');
  }
}
