import { computeS256Challenge, randomToken } from '@latchkey/oauth';
import type { Platform } from './platform';

/** What provisioning needs of a platform: where it is and its admin client. */
type AdminAccess = Pick<Platform, 'issuer' | 'adminClient'>;

/**
 * Provisioning through the admin API, as an operator's tooling would (docs/architecture.md §4): an admin
 * token from the admin client's client_credentials grant, then users and clients.
 */

/** The token endpoint authentication methods the relying parties of the flow tests use. */
export type ClientKind = 'client_secret_basic' | 'client_secret_post' | 'none';
export const CLIENT_KINDS: readonly ClientKind[] = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];

/** Every scope a user flow can be granted. */
export const FLOW_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  email: string;
  name: string;
}

export interface TestClient {
  client_id: string;
  /** Confidential clients only. */
  client_secret?: string;
  client_name: string;
  token_endpoint_auth_method: ClientKind;
  redirect_uri: string;
}

export interface ClientOptions {
  redirectUri: string;
  name?: string;
  /** First-party client: no consent page (default false, so consent is exercised). */
  skipConsent?: boolean;
  /** allowed_cors_origins: browser origins besides the redirect URI's (default none). */
  corsOrigins?: string[];
}

/**
 * The parameters of a valid code-flow authorization request of this client (PKCE with a fresh
 * verifier nobody keeps), with `overrides` on top: for tests that probe one parameter at a time.
 */
export function authorizationParams(
  client: Pick<TestClient, 'client_id' | 'redirect_uri'>,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uri,
    scope: 'openid',
    state: 'st',
    code_challenge: computeS256Challenge(randomToken()),
    code_challenge_method: 'S256',
    ...overrides,
  };
}

/** A loopback redirect URI (RFC 8252 §7.3). */
export function loopbackRedirectUri(port: number): string {
  return `http://127.0.0.1:${port}/cb`;
}

export class PlatformAdmin {
  private constructor(
    private readonly platform: AdminAccess,
    private readonly token: string,
  ) {}

  static async connect(platform: AdminAccess): Promise<PlatformAdmin> {
    const { id, secret } = platform.adminClient;
    const credentials = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`);
    const answer = await send(platform, 'POST', '/token', {
      headers: {
        authorization: `Basic ${credentials.toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expectStatus(answer, 200, 'admin token');
    return new PlatformAdmin(platform, answer.body.access_token as string);
  }

  async createUser(
    username: string,
    overrides: Partial<Omit<TestUser, 'id'>> = {},
  ): Promise<TestUser> {
    const user = {
      username,
      password: `${username} correct horse battery staple`,
      email: `${username}@example.test`,
      name: `${username[0]!.toUpperCase()}${username.slice(1)} Example`,
      ...overrides,
    };
    const answer = await this.post('/admin/users', { ...user, email_verified: true });
    expectStatus(answer, 201, `user ${username}`);
    return { id: answer.body.id as string, ...user };
  }

  async createClient(kind: ClientKind, options: ClientOptions): Promise<TestClient> {
    const clientName = options.name ?? `Interop ${kind}`;
    const answer = await this.post('/admin/clients', {
      client_name: clientName,
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: kind,
      scope: FLOW_SCOPES.join(' '),
      skip_consent: options.skipConsent ?? false,
      ...(options.corsOrigins ? { allowed_cors_origins: options.corsOrigins } : {}),
    });
    expectStatus(answer, 201, `client ${clientName}`);
    const secret = answer.body.client_secret;
    if (kind !== 'none' && typeof secret !== 'string') {
      throw new Error(`a ${kind} client was created without a client_secret`);
    }
    return {
      client_id: answer.body.client_id as string,
      ...(typeof secret === 'string' ? { client_secret: secret } : {}),
      client_name: clientName,
      token_endpoint_auth_method: kind,
      redirect_uri: options.redirectUri,
    };
  }

  private post(route: string, json: unknown): Promise<Answer> {
    return send(this.platform, 'POST', route, {
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
  }
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

async function send(
  platform: AdminAccess,
  method: string,
  route: string,
  init: { headers: Record<string, string>; body: string },
): Promise<Answer> {
  const res = await fetch(`${platform.issuer}${route}`, {
    method,
    ...init,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Reported by expectStatus with the text.
  }
  return { status: res.status, body, text };
}

function expectStatus(answer: Answer, status: number, what: string): void {
  if (answer.status !== status) {
    throw new Error(
      `${what}: expected ${status}, got ${answer.status}: ${answer.text.slice(0, 300)}`,
    );
  }
}
