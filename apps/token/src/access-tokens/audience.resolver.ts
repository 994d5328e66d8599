import { Inject, Injectable } from '@nestjs/common';
import type { ResourceView } from '@latchkey/contracts';
import {
  accessTokenAudience,
  issuerReleasedScopes,
  parseScope,
  tokenAudience,
} from '@latchkey/oauth';
import { ClaimScopesCache, ResourcesCache } from '@latchkey/registry-client';
import type { TokenClient } from '../clients/client-record';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import { DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS } from './access-token.signer';

/** Who an access token is for, and the scopes it may carry for them. */
export interface Audience {
  /** The `aud` claim: one audience as a string, several as a list. */
  aud: string | string[];
  /** The registered resources among them; empty for a token for the issuer alone. */
  resources: ResourceView[];
  /** The scopes granted: the requested ones the audiences and the client allow. */
  scopes: string[];
}

/** What the audience rule reads of the registry: the resources, and the issuer's own scopes. */
export interface RegistrySnapshot {
  resources: readonly ResourceView[];
  issuerScopes: ReadonlySet<string>;
}

/**
 * docs/architecture.md §3 (Audiences): the audiences of a token and its scopes, from the
 * requested scopes, the `resource` parameter and the registered resources as they are now, so
 * that a scope removed from its resource is no longer issued, refresh included. The rule itself
 * is `tokenAudience` in libs/oauth; this gives it the client and the current resources.
 */
@Injectable()
export class AudienceResolver {
  constructor(
    private readonly resources: ResourcesCache,
    private readonly claimScopes: ClaimScopesCache,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async resolve(
    requested: Iterable<string>,
    resource: string | null | undefined,
    client: TokenClient,
  ): Promise<Audience> {
    return this.resolveWith(await this.snapshot(), requested, resource, client);
  }

  /** The registry as it is now, for {@link resolveWith} where no await may happen. */
  async snapshot(): Promise<RegistrySnapshot> {
    const [resources, claimScopes] = await Promise.all([
      this.resources.all(),
      this.claimScopes.all(),
    ]);
    return { resources, issuerScopes: issuerReleasedScopes(claimScopes.keys()) };
  }

  resolveWith(
    registry: RegistrySnapshot,
    requested: Iterable<string>,
    resource: string | null | undefined,
    client: TokenClient,
  ): Audience {
    const { resources, scopes } = tokenAudience({
      requested,
      resource,
      clientScopes: registeredScopes(client),
      defaultResource: client.default_resource,
      resources: registry.resources,
      issuer: this.config.issuer,
      issuerScopes: registry.issuerScopes,
    });
    return {
      aud: accessTokenAudience(resources, scopes, this.config.issuer),
      resources,
      scopes,
    };
  }

  /** A token for the issuer alone (the admin API), with exactly these scopes. */
  forIssuer(scopes: string[]): Audience {
    return { aud: this.config.issuer, resources: [], scopes };
  }

  /** Whether `resource` (or, without it, the client's default resource) is the issuer. */
  targetsIssuer(resource: string | undefined, client: TokenClient): boolean {
    const target = resource ?? client.default_resource;
    return target === undefined || target === null || target === this.config.issuer;
  }
}

/** The scopes the client is registered for (its `scope` metadata). */
export function registeredScopes(client: TokenClient): Set<string> {
  return client.scope ? parseScope(client.scope) : new Set();
}

/**
 * The client's own lifetime wins, then the shortest of its resources' (a token for several
 * resources lives no longer than any of them allows), then the platform default.
 */
export function accessTokenLifetime(client: TokenClient, audience: Audience): number {
  if (client.access_token_lifetime != null) return client.access_token_lifetime;
  const lifetimes = audience.resources.map((resource) => resource.access_token_lifetime);
  return lifetimes.length > 0 ? Math.min(...lifetimes) : DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS;
}
