import { Inject, Injectable } from '@nestjs/common';
import type { ResourceView } from '@latchkey/contracts';
import { intendedAudience, InvalidTarget } from '@latchkey/oauth';
import type { TokenClient } from '../clients/client-record';
import { ResourcesCache } from '../clients/resources.cache';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS } from './access-token.signer';

/** Who an access token is for: a registered API resource, or the authorization server itself. */
export type Audience =
  { kind: 'resource'; aud: string; resource: ResourceView } | { kind: 'issuer'; aud: string };

/**
 * RFC 8707 / docs/architecture.md §3: an access token's `aud` is the requested resource, else the client's
 * default resource, else the issuer (a token for the platform's own endpoints, e.g. userinfo).
 * Shared by every grant.
 */
@Injectable()
export class AudienceResolver {
  constructor(
    private readonly resources: ResourcesCache,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  /** The requested resource must be registered (the issuer itself is always known). */
  async resolve(resource: string | undefined, client: TokenClient): Promise<Audience> {
    const target = intendedAudience(resource, client.default_resource, this.config.issuer);
    if (target === this.config.issuer) {
      return { kind: 'issuer', aud: this.config.issuer };
    }
    const registered = await this.resources.get(target);
    if (!registered) {
      throw new InvalidTarget(
        resource === undefined
          ? "the client's default_resource is not a registered resource"
          : 'resource is not a registered resource',
      );
    }
    return { kind: 'resource', aud: registered.identifier, resource: registered };
  }
}

/** The client's own lifetime wins, then the resource's, then the platform default. */
export function accessTokenLifetime(client: TokenClient, audience: Audience): number {
  return (
    client.access_token_lifetime ??
    (audience.kind === 'resource' ? audience.resource.access_token_lifetime : undefined) ??
    DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS
  );
}
