import {
  AdminApiClient,
  isHttpUrl,
  type AccessToken,
  type AdminCredentials,
  type TokenCache,
} from './admin-api.client';
import type { CliIo } from './cli-io';
import { CliError, UsageError } from './cli.errors';
import type { CredentialsStore } from './credentials.store';
import type { Output } from './output';

/**
 * The admin API for a command: the LATCHKEY_* environment when it names a whole admin client
 * (CI jobs, one-off scripts; its token lives only as long as the command), else what
 * `latchkey login` stored (its token is kept in the file for the next command).
 */
export function openAdminApi(io: CliIo, store: CredentialsStore, output: Output): AdminApiClient {
  const fromEnv = credentialsFromEnv(io.env);
  if (fromEnv) return new AdminApiClient(fromEnv, memoryTokenCache(), () => io.now());
  const stored = store.load();
  if (!stored) {
    throw new CliError(
      'not logged in: run `latchkey login` first (or set LATCHKEY_ISSUER, LATCHKEY_CLIENT_ID ' +
        'and LATCHKEY_CLIENT_SECRET)',
    );
  }
  const problem = store.permissionProblem();
  if (problem) output.warn(problem);
  const cache: TokenCache = {
    read: () =>
      stored.access_token && typeof stored.access_token_expires_at === 'number'
        ? { value: stored.access_token, expiresAt: stored.access_token_expires_at }
        : undefined,
    write: (token) => store.saveToken(token.value, token.expiresAt),
  };
  return new AdminApiClient(
    {
      issuer: stored.issuer,
      admin_url: stored.admin_url,
      token_endpoint: stored.token_endpoint,
      client_id: stored.client_id,
      client_secret: stored.client_secret,
    },
    cache,
    () => io.now(),
  );
}

function credentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): AdminCredentials | undefined {
  const { LATCHKEY_ISSUER: issuer, LATCHKEY_CLIENT_ID: id, LATCHKEY_CLIENT_SECRET: secret } = env;
  if (!issuer || !id || !secret) return undefined;
  try {
    return {
      issuer: normalizeIssuer(issuer, 'LATCHKEY_ISSUER'),
      admin_url: adminUrlOf(env.LATCHKEY_ADMIN_URL, 'LATCHKEY_ADMIN_URL'),
      client_id: id,
      client_secret: secret,
    };
  } catch (err) {
    // Not a command-line mistake: no usage text, exit 1.
    throw err instanceof UsageError ? new CliError(err.message) : err;
  }
}

function memoryTokenCache(): TokenCache {
  let token: AccessToken | undefined;
  return {
    read: () => token,
    write: (fresh) => (token = fresh),
  };
}

/** The admin plane's base URL, held to the same shape as an issuer; unset when not given. */
export function adminUrlOf(url: string | undefined, source: string): string | undefined {
  return url ? normalizeIssuer(url, source) : undefined;
}

/** The issuer as OIDC compares it: an http(s) URL without query, fragment or trailing slash. */
export function normalizeIssuer(issuer: string, source: string): string {
  if (!isHttpUrl(issuer)) throw new UsageError(`${source} must be an http(s) URL, not '${issuer}'`);
  const url = new URL(issuer);
  if (url.search || url.hash) throw new UsageError(`${source} must not have a query or fragment`);
  return issuer.replace(/\/+$/, '');
}
