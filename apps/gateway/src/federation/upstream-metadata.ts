import { Injectable } from '@nestjs/common';
import type { IdentityProviderRecord } from '@latchkey/contracts';
import { Clock, LoadingCache } from '@latchkey/core';
import { OutboundHttp } from '@latchkey/platform';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { UpstreamLoginError } from './upstream-error';
import { upstreamGetJson, UPSTREAM_TIMEOUT_MS } from './upstream-http';

/** Where an upstream provider's endpoints are, and its keys (OIDC). */
export interface UpstreamMetadata {
  /** The `iss` its id_tokens carry (OIDC); for OAuth 2.0 the authorization endpoint's origin. */
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  /** OIDC only: the upstream's signing keys, fetched and refreshed by jose. */
  keys?: JWTVerifyGetKey;
}

/**
 * The endpoints of an upstream provider: configured ones win; an OpenID Connect provider's others
 * come from its discovery document (OpenID Connect Discovery 1.0 §4), whose `issuer` must be the
 * configured issuer exactly (§4.3). Kept for an hour per provider version (a changed provider is a
 * new key); a failed discovery is not kept, so the next sign-in tries again.
 */
@Injectable()
export class UpstreamMetadataService {
  static readonly TTL_MS = 60 * 60_000;
  private readonly cache: LoadingCache<UpstreamMetadata>;
  private readonly providers = new Map<string, IdentityProviderRecord>();

  constructor(
    private readonly http: OutboundHttp,
    clock: Clock,
  ) {
    this.cache = new LoadingCache({
      load: (key) => this.load(this.providers.get(key)!),
      ttlMs: () => UpstreamMetadataService.TTL_MS,
      maxEntries: 200,
      now: () => clock.now().getTime(),
    });
  }

  async of(provider: IdentityProviderRecord): Promise<UpstreamMetadata> {
    const key = `${provider.id}@${provider.updated_at}`;
    this.providers.set(key, provider);
    try {
      return await this.cache.get(key);
    } finally {
      this.providers.delete(key);
    }
  }

  private async load(provider: IdentityProviderRecord): Promise<UpstreamMetadata> {
    if (provider.kind === 'oauth2') {
      const authorization = provider.authorization_endpoint!;
      return {
        issuer: new URL(authorization).origin,
        authorization_endpoint: authorization,
        token_endpoint: provider.token_endpoint!,
        userinfo_endpoint: provider.userinfo_endpoint ?? undefined,
      };
    }
    const issuer = provider.issuer!;
    const discovered = await this.discover(issuer);
    const endpoint = (name: string): string | undefined => {
      const value = discovered[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const authorization = provider.authorization_endpoint ?? endpoint('authorization_endpoint');
    const token = provider.token_endpoint ?? endpoint('token_endpoint');
    const jwksUri = provider.jwks_uri ?? endpoint('jwks_uri');
    if (!authorization || !token || !jwksUri) {
      throw new UpstreamLoginError('discovery_failed', 'the discovery document lacks an endpoint');
    }
    return {
      issuer,
      authorization_endpoint: authorization,
      token_endpoint: token,
      userinfo_endpoint: provider.userinfo_endpoint ?? endpoint('userinfo_endpoint'),
      keys: createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: UPSTREAM_TIMEOUT_MS,
        // Every call the server makes goes through the outbound policy (docs/architecture.md §3).
        [customFetch]: (url, options) =>
          this.http.fetch(url, {
            method: 'GET',
            headers: Object.fromEntries(options.headers),
            timeoutMs: UPSTREAM_TIMEOUT_MS,
            signal: options.signal,
          }),
      }),
    };
  }

  private async discover(issuer: string): Promise<Record<string, unknown>> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const document = await upstreamGetJson(this.http, url, {}, 'discovery_failed');
    if (document.issuer !== issuer) {
      throw new UpstreamLoginError(
        'issuer_mismatch',
        'the discovery document names another issuer',
      );
    }
    return document;
  }
}
