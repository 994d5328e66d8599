import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { IdentityProviderRecord, LdapSettings } from '@latchkey/contracts';
import { outboundUrlProblem } from '@latchkey/oauth';
import { OutboundHttp } from '@latchkey/platform';
import { Client, InvalidCredentialsError, type ClientOptions } from 'ldapts';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  entryClaims,
  groupNameOf,
  groupSearchFilter,
  mappedAttributeNames,
  userSearchFilter,
  type DirectoryEntry,
} from './ldap-entry';
import type { Claims } from './upstream-claims';
import { UpstreamLoginError } from './upstream-error';

/** What the directory says of a typed username and password. */
export type DirectoryVerdict =
  | { outcome: 'not_found' }
  | { outcome: 'wrong_password' }
  | { outcome: 'authenticated'; claims: Claims; groups: string[] };

interface PooledConnection {
  version: string;
  client: Promise<Client>;
}

/** More groups than any sign-in needs; the mapping keeps at most its own bound. */
const MAX_GROUP_ENTRIES = 500;

/**
 * The LDAP directories of `ldap` providers (docs/identity-providers.md), through `ldapts`:
 *
 *  - one service connection per provider, bound as its `bind_dn`, kept and reused for the user
 *    and group searches (LDAP multiplexes operations on one connection); a connection that
 *    failed is dropped and the next sign-in makes a new one;
 *  - the password is checked by a bind as the user's entry on a connection of its own, closed
 *    right after (a bind changes who the connection is);
 *  - always encrypted (ldaps://, or StartTLS before the first bind), the directory's host under
 *    the outbound policy like every address the server calls, and a deadline on connecting and
 *    on every operation.
 *
 * Any failure other than the user's wrong password is `unreachable` or `directory_bind_failed`:
 * the sign-in fails closed with 503, never with a session.
 */
@Injectable()
export class LdapDirectory implements OnModuleDestroy {
  private readonly logger = new Logger(LdapDirectory.name);
  /** Service connections by provider id, for the provider's version (`updated_at`). */
  private readonly services = new Map<string, PooledConnection>();

  constructor(private readonly http: OutboundHttp) {}

  async authenticate(
    provider: IdentityProviderRecord,
    username: string,
    password: string,
  ): Promise<DirectoryVerdict> {
    const settings = settingsOf(provider);
    const filter = userSearchFilter(settings, username);
    if (filter === undefined) return { outcome: 'not_found' };
    const entries = await this.search(provider, settings.user_search_base, filter, {
      attributes: mappedAttributeNames(provider),
      sizeLimit: 2,
    });
    if (entries.length === 0) return { outcome: 'not_found' };
    if (entries.length > 1) {
      // Two entries answer to one username: choosing would be a guess.
      this.logger.warn({ event: 'ldap.ambiguous_user', identity_provider: provider.id });
      return { outcome: 'not_found' };
    }
    const entry = entries[0];
    // RFC 4513 §5.1.2: a bind with an empty password is an unauthenticated bind that succeeds.
    if (password === '' || !(await this.passwordMatches(provider, entry.dn, password))) {
      return { outcome: 'wrong_password' };
    }
    const claims = entryClaims(entry, mappedAttributeNames(provider));
    return {
      outcome: 'authenticated',
      claims,
      groups: await this.groupsOf(provider, entry, claims),
    };
  }

  async onModuleDestroy(): Promise<void> {
    const clients = [...this.services.values()];
    this.services.clear();
    await Promise.all(clients.map(({ client }) => client.then(close, () => undefined)));
  }

  /**
   * The user's groups: the names of the group entries the group search finds, else the values
   * of the mapped `groups` attribute (memberOf), each a DN reduced to its first RDN's value.
   */
  private async groupsOf(
    provider: IdentityProviderRecord,
    entry: DirectoryEntry,
    claims: Claims,
  ): Promise<string[]> {
    const settings = settingsOf(provider);
    if (settings.group_search_base !== null) {
      const groups = await this.search(
        provider,
        settings.group_search_base,
        groupSearchFilter(settings, entry.dn),
        { attributes: ['1.1'], sizeLimit: MAX_GROUP_ENTRIES },
      );
      return groups.map((group) => groupNameOf(group.dn));
    }
    const attribute = provider.claim_mapping.groups;
    if (attribute === undefined) return [];
    const values = [claims[attribute] ?? []].flat() as string[];
    return values.map(groupNameOf);
  }

  /** A search on the provider's service connection; a failed connection is dropped. */
  private async search(
    provider: IdentityProviderRecord,
    base: string,
    filter: string,
    options: { attributes: string[]; sizeLimit: number },
  ): Promise<DirectoryEntry[]> {
    const client = await this.serviceClient(provider);
    try {
      const { searchEntries } = await client.search(base, {
        scope: 'sub',
        filter,
        derefAliases: 'never',
        timeLimit: Math.ceil(settingsOf(provider).timeout_ms / 1000),
        ...options,
      });
      return searchEntries as DirectoryEntry[];
    } catch (err) {
      this.drop(provider.id, client);
      throw new UpstreamLoginError('unreachable', `search: ${describe(err)}`);
    }
  }

  /**
   * The provider's bound service connection: the pooled one while it is bound and the provider
   * unchanged, else a new one (connect, StartTLS, bind) that concurrent sign-ins share.
   */
  private async serviceClient(provider: IdentityProviderRecord): Promise<Client> {
    const pooled = this.services.get(provider.id);
    if (pooled && pooled.version === provider.updated_at) {
      const client = await pooled.client;
      if (client.isBound) return client;
      this.forget(provider.id, pooled);
      void close(client);
    } else if (pooled) {
      this.forget(provider.id, pooled);
      void pooled.client.then(close, () => undefined);
    }
    return this.openServiceClient(provider);
  }

  private openServiceClient(provider: IdentityProviderRecord): Promise<Client> {
    // Another sign-in may have opened it meanwhile.
    const current = this.services.get(provider.id);
    if (current && current.version === provider.updated_at) return current.client;
    const client = this.connect(provider).then(async (connected) => {
      try {
        await connected.bind(settingsOf(provider).bind_dn, provider.client_secret ?? '');
        return connected;
      } catch (err) {
        await close(connected);
        if (err instanceof InvalidCredentialsError) {
          throw new UpstreamLoginError('directory_bind_failed', 'the service bind was refused');
        }
        throw new UpstreamLoginError('unreachable', `service bind: ${describe(err)}`);
      }
    });
    const entry = { version: provider.updated_at, client };
    this.services.set(provider.id, entry);
    // A connection that could not be made is not kept: the next sign-in tries again.
    client.catch(() => this.forget(provider.id, entry));
    return client;
  }

  /** A search failed on this connection: it is closed, and the next sign-in opens another. */
  private drop(providerId: string, client: Client): void {
    const pooled = this.services.get(providerId);
    if (pooled) {
      void pooled.client.then(
        (current) => current === client && this.forget(providerId, pooled),
        () => undefined,
      );
    }
    void close(client);
  }

  private forget(providerId: string, entry: PooledConnection): void {
    if (this.services.get(providerId) === entry) this.services.delete(providerId);
  }

  /** The bind as the user's entry, on a connection of its own. */
  private async passwordMatches(
    provider: IdentityProviderRecord,
    dn: string,
    password: string,
  ): Promise<boolean> {
    const client = await this.connect(provider);
    try {
      await client.bind(dn, password);
      return true;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return false;
      throw new UpstreamLoginError('unreachable', `user bind: ${describe(err)}`);
    } finally {
      await close(client);
    }
  }

  /**
   * A new encrypted connection. Each client makes exactly one socket: ldapts would otherwise
   * reconnect by itself after a drop, without StartTLS.
   */
  private async connect(provider: IdentityProviderRecord): Promise<Client> {
    const settings = settingsOf(provider);
    const url = new URL(settings.url);
    const problem = outboundUrlProblem(`https://${url.host}/`, this.http.policy);
    if (problem) throw new UpstreamLoginError('unreachable', `the directory ${problem}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const tlsOptions: tls.ConnectionOptions = {
      minVersion: 'TLSv1.2',
      // The name the certificate must carry (also under StartTLS, where no host is connected to).
      host,
      // SNI takes a host name only, never an address (RFC 6066 §3).
      servername: net.isIP(host) ? undefined : host,
      ...(settings.tls_ca ? { ca: settings.tls_ca } : {}),
    };
    const lookup = this.http.secureLookup();
    let sockets = 0;
    const once = <T extends net.Socket>(make: () => T): T => {
      if (sockets++ > 0) throw new Error('the connection was lost');
      return make();
    };
    const options: ClientOptions = {
      url: settings.url,
      timeout: settings.timeout_ms,
      connectTimeout: settings.timeout_ms,
      strictDN: true,
      createConnection: ((port: number, host: string) =>
        once(() => net.connect({ port, host, lookup }))) as typeof net.connect,
      createSecureConnection: ((portOrOptions: number | tls.ConnectionOptions, host?: string) =>
        typeof portOrOptions === 'object'
          ? tls.connect({ ...tlsOptions, ...portOrOptions }) // StartTLS over the one socket
          : once(() =>
              tls.connect({ ...tlsOptions, port: portOrOptions, host, lookup }),
            )) as typeof tls.connect,
    };
    const client = new Client(options);
    // ldaps:// connects at the first operation, under connectTimeout until the TLS handshake.
    if (!settings.start_tls) return client;
    try {
      await withDeadline(client.startTLS(tlsOptions), settings.timeout_ms);
      return client;
    } catch (err) {
      await close(client);
      throw new UpstreamLoginError('unreachable', `connect: ${describe(err)}`);
    }
  }
}

function settingsOf(provider: IdentityProviderRecord): LdapSettings {
  if (provider.kind !== 'ldap' || provider.ldap === undefined) {
    throw new Error(`provider ${provider.id} is not an ldap provider`);
  }
  return provider.ldap;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

async function close(client: Client): Promise<void> {
  try {
    if (client.isConnected) await client.unbind();
  } catch {
    // Closing a connection that already failed: nothing more to do.
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : 'unknown error';
}
