/**
 * Client registration metadata (RFC 7591 §2, OIDC Dynamic Client Registration §2): turns untrusted
 * JSON into a normalised, internally consistent `ClientMetadata`, or throws invalid_client_metadata
 * (invalid_redirect_uri for redirect_uris, as RFC 7591 §3.2.2 asks). Unknown fields are ignored.
 *
 * Descriptions name the field but never echo arbitrary input: RFC 6749 limits the charset of
 * error_description, and a client name or URI could break out of it.
 */
import { corsOriginProblem } from './cors';
import { InvalidClientMetadata, InvalidRedirectUri, OAuthError } from './errors/oauth-error';
import {
  ApplicationType,
  RedirectUriRules,
  redirectUriProblem,
  redirectUriRulesFor,
} from './redirect-uri';
import { type OutboundPolicy, outboundUrlProblem, STRICT_OUTBOUND_POLICY } from './outbound-url';
import { formatScope, parseScope } from './scope';

export const APPLICATION_TYPES = ['web', 'native'] as const;
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const RESPONSE_TYPES = ['code'] as const;
export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
export const ID_TOKEN_SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;

export type GrantType = (typeof GRANT_TYPES)[number];
export type ResponseType = (typeof RESPONSE_TYPES)[number];
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];
export type IdTokenSigningAlg = (typeof ID_TOKEN_SIGNING_ALGS)[number];

/** A public JSON Web Key (RFC 7517) as registered; other members are kept as sent. */
export interface PublicJwk {
  kty: 'RSA' | 'EC' | 'OKP';
  kid?: string;
  [member: string]: unknown;
}

export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/**
 * Token lifetimes in seconds. The floor keeps tokens usable across clock skew and slow networks;
 * the ceilings keep a stolen bearer token (a day) or refresh token (a year) from living forever.
 */
export const LIFETIME_BOUNDS = {
  access_token_lifetime: { min: 60, max: 86_400 },
  id_token_lifetime: { min: 60, max: 86_400 },
  refresh_token_lifetime: { min: 60, max: 31_536_000 },
} as const;

export const MAX_CLIENT_NAME_LENGTH = 200;

export interface ClientMetadata {
  client_name?: string;
  /** OIDC Registration §2; `native` unlocks private-use redirect URI schemes (RFC 8252 §7.1). */
  application_type: ApplicationType;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: GrantType[];
  response_types: ResponseType[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  /** Space-delimited scopes the client may obtain, normalised by formatScope. */
  scope?: string;
  jwks?: JsonWebKeySet;
  jwks_uri?: string;
  id_token_signed_response_alg: IdTokenSigningAlg;
  access_token_lifetime?: number;
  refresh_token_lifetime?: number;
  id_token_lifetime?: number;
  /** First-party clients only: the user is not asked for consent. */
  skip_consent: boolean;
  backchannel_logout_uri?: string;
  /**
   * The API resource (RFC 8707) that tokens are for when the request names no resource and is
   * granted no API scope, like Hydra's audience (docs/architecture.md §3, Audiences).
   */
  default_resource?: string;
  /**
   * Origins (`scheme://host[:port]`) of browser apps that may call the token, revocation and
   * userinfo endpoints besides the origins of the redirect URIs (docs/architecture.md §3).
   */
  allowed_cors_origins?: string[];
  /**
   * The ID Token carries the claims its scopes release, as userinfo does (docs/architecture.md
   * §7); without it, only those the `claims` request parameter asks for in the ID Token. Absent
   * means false.
   */
  id_token_claims?: boolean;
}

export interface ValidateClientMetadataOptions {
  /**
   * The stored metadata when updating a client. `input` is then applied as a JSON merge patch
   * (RFC 7396): absent fields keep their stored value, `null` resets a field to its default, and
   * the merged result is validated as a whole.
   */
  existing?: ClientMetadata;
  /**
   * What the server may call (jwks_uri, backchannel_logout_uri): the operator's outbound policy.
   * Public https targets only when absent.
   */
  outbound?: OutboundPolicy;
}

/** Untrusted metadata as a prototype-less map, so `__proto__` and friends are plain keys. */
type Fields = Record<string, unknown>;

type OAuthErrorClass = new (description?: string) => OAuthError;

/**
 * Validates and normalises client metadata for registration or update. Defaults: application_type
 * `web`, grant_types [authorization_code], response_types [code] with authorization_code and []
 * otherwise, token_endpoint_auth_method client_secret_basic, id_token_signed_response_alg RS256,
 * skip_consent false. `null` is treated as absent.
 */
export function validateClientMetadata(
  input: unknown,
  options: ValidateClientMetadataOptions = {},
): ClientMetadata {
  if (!isJsonObject(input)) {
    throw new InvalidClientMetadata('client metadata must be a JSON object');
  }
  const fields = options.existing ? applyUpdate(options.existing, input) : copyFields(input);

  const application_type = readEnum(fields, 'application_type', APPLICATION_TYPES) ?? 'web';
  const grant_types = readEnumList(fields, 'grant_types', GRANT_TYPES) ?? ['authorization_code'];
  if (grant_types.length === 0) {
    throw new InvalidClientMetadata('grant_types must contain at least one grant type');
  }
  const response_types =
    readEnumList(fields, 'response_types', RESPONSE_TYPES) ??
    (grant_types.includes('authorization_code') ? ['code'] : []);
  const token_endpoint_auth_method =
    readEnum(fields, 'token_endpoint_auth_method', TOKEN_ENDPOINT_AUTH_METHODS) ??
    'client_secret_basic';
  const redirectRules = redirectUriRulesFor(application_type);
  const outbound = options.outbound ?? STRICT_OUTBOUND_POLICY;

  const metadata: ClientMetadata = {
    client_name: readClientName(fields),
    application_type,
    redirect_uris: readUriList(fields, 'redirect_uris', redirectRules, InvalidRedirectUri),
    post_logout_redirect_uris: readUriList(
      fields,
      'post_logout_redirect_uris',
      redirectRules,
      InvalidClientMetadata,
    ),
    grant_types,
    response_types,
    token_endpoint_auth_method,
    scope: readScope(fields),
    jwks: readJwks(fields),
    jwks_uri: readOutboundUri(fields, 'jwks_uri', outbound),
    id_token_signed_response_alg:
      readEnum(fields, 'id_token_signed_response_alg', ID_TOKEN_SIGNING_ALGS) ?? 'RS256',
    access_token_lifetime: readLifetime(fields, 'access_token_lifetime'),
    refresh_token_lifetime: readLifetime(fields, 'refresh_token_lifetime'),
    id_token_lifetime: readLifetime(fields, 'id_token_lifetime'),
    skip_consent: readBoolean(fields, 'skip_consent') ?? false,
    backchannel_logout_uri: readOutboundUri(fields, 'backchannel_logout_uri', outbound),
    default_resource: readDefaultResource(fields),
    allowed_cors_origins: readCorsOrigins(fields),
    id_token_claims: readBoolean(fields, 'id_token_claims') === true ? true : undefined,
  };

  checkCodeResponseTypeMatchesGrant(metadata);
  checkRedirectUrisForAuthorizationCode(metadata);
  checkRefreshTokenNeedsAuthorizationCode(metadata);
  checkPublicClientGrants(metadata);
  checkJwksSource(metadata);

  return withoutUndefined(metadata);
}

// ---------------------------------------------------------------- consistency rules

/** RFC 7591 §2.1: the `code` response type goes with the authorization_code grant, both ways. */
export function checkCodeResponseTypeMatchesGrant(
  metadata: Pick<ClientMetadata, 'grant_types' | 'response_types'>,
): void {
  const hasGrant = metadata.grant_types.includes('authorization_code');
  const hasCode = metadata.response_types.includes('code');
  if (hasGrant && !hasCode) {
    throw new InvalidClientMetadata('grant type authorization_code requires response_types code');
  }
  if (hasCode && !hasGrant) {
    throw new InvalidClientMetadata('response type code requires grant type authorization_code');
  }
}

/** The authorization endpoint needs somewhere to send the code (RFC 6749 §3.1.2.2). */
export function checkRedirectUrisForAuthorizationCode(
  metadata: Pick<ClientMetadata, 'grant_types' | 'redirect_uris'>,
): void {
  if (metadata.grant_types.includes('authorization_code') && metadata.redirect_uris.length === 0) {
    throw new InvalidRedirectUri(
      'grant type authorization_code requires at least one redirect_uri',
    );
  }
}

/** Refresh tokens here are only issued from an authorization code grant (docs/architecture.md §3). */
export function checkRefreshTokenNeedsAuthorizationCode(
  metadata: Pick<ClientMetadata, 'grant_types'>,
): void {
  if (
    metadata.grant_types.includes('refresh_token') &&
    !metadata.grant_types.includes('authorization_code')
  ) {
    throw new InvalidClientMetadata(
      'grant type refresh_token is only allowed together with authorization_code',
    );
  }
}

/** client_credentials authenticates the client itself, so it needs a client that can (RFC 6749 §4.4). */
export function checkPublicClientGrants(
  metadata: Pick<ClientMetadata, 'grant_types' | 'token_endpoint_auth_method'>,
): void {
  if (
    metadata.token_endpoint_auth_method === 'none' &&
    metadata.grant_types.includes('client_credentials')
  ) {
    throw new InvalidClientMetadata(
      'public clients (token_endpoint_auth_method none) must not use client_credentials',
    );
  }
}

/** RFC 7591 §2: jwks and jwks_uri MUST NOT both be present; private_key_jwt needs one of them. */
export function checkJwksSource(
  metadata: Pick<ClientMetadata, 'jwks' | 'jwks_uri' | 'token_endpoint_auth_method'>,
): void {
  if (metadata.jwks !== undefined && metadata.jwks_uri !== undefined) {
    throw new InvalidClientMetadata('jwks and jwks_uri are mutually exclusive');
  }
  if (
    metadata.token_endpoint_auth_method === 'private_key_jwt' &&
    metadata.jwks === undefined &&
    metadata.jwks_uri === undefined
  ) {
    throw new InvalidClientMetadata(
      'token_endpoint_auth_method private_key_jwt requires jwks or jwks_uri',
    );
  }
}

// ---------------------------------------------------------------- field readers

/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PUBLIC_JWK_MEMBERS: Readonly<Record<PublicJwk['kty'], readonly string[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

function readJwks(fields: Fields): JsonWebKeySet | undefined {
  const jwks = field(fields, 'jwks');
  if (jwks === undefined) return undefined;
  if (!isJsonObject(jwks) || !Array.isArray(jwks.keys)) {
    throw new InvalidClientMetadata('jwks must be a JSON Web Key Set object with a keys array');
  }
  if (jwks.keys.length === 0) throw new InvalidClientMetadata('jwks.keys must not be empty');
  return { keys: jwks.keys.map((key: unknown, index: number) => readPublicJwk(key, index)) };
}

function readPublicJwk(key: unknown, index: number): PublicJwk {
  const name = `jwks.keys[${index}]`;
  if (!isJsonObject(key)) throw new InvalidClientMetadata(`${name} must be a JSON object`);
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((member) => Object.hasOwn(key, member));
  if (privateMembers.length > 0) {
    // Registering a private key would hand the server a secret it must never hold.
    throw new InvalidClientMetadata(
      `${name} contains private key members (${privateMembers.join(', ')}); register public keys only`,
    );
  }
  const kty = key.kty;
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') {
    throw new InvalidClientMetadata(`${name}.kty must be one of RSA, EC, OKP`);
  }
  for (const member of PUBLIC_JWK_MEMBERS[kty]) {
    if (typeof key[member] !== 'string' || key[member] === '') {
      throw new InvalidClientMetadata(`${name}.${member} is required for kty ${kty}`);
    }
  }
  if (key.kid !== undefined && typeof key.kid !== 'string') {
    throw new InvalidClientMetadata(`${name}.kid must be a string`);
  }
  return { ...key, kty };
}

/**
 * A URI the server itself calls (jwks_uri; OIDC Back-Channel Logout §2.2 backchannel_logout_uri):
 * the outbound policy's rules, checked again at every call against the resolved addresses.
 */
function readOutboundUri(
  fields: Fields,
  name: 'jwks_uri' | 'backchannel_logout_uri',
  policy: OutboundPolicy,
): string | undefined {
  const uri = readString(fields, name);
  if (uri === undefined) return undefined;
  const problem = outboundUrlProblem(uri, policy);
  if (problem) throw new InvalidClientMetadata(`${name} ${problem}`);
  return uri;
}

/**
 * Why `uri` cannot identify an API resource (RFC 8707 §2: an absolute URI without a fragment; it
 * becomes the `aud` of access tokens), or undefined when it can. https, or http to a loopback host
 * for development, as for the other URIs a client registers.
 */
export function resourceIndicatorProblem(uri: unknown): string | undefined {
  return redirectUriProblem(uri, { allowLoopbackHttp: true, allowPrivateUseScheme: false });
}

function readDefaultResource(fields: Fields): string | undefined {
  const uri = readString(fields, 'default_resource');
  if (uri === undefined) return undefined;
  const problem = resourceIndicatorProblem(uri);
  if (problem) throw new InvalidClientMetadata(`default_resource ${problem}`);
  return uri;
}

/** A list of origins, each as browsers send it (corsOriginProblem); absent when empty. */
function readCorsOrigins(fields: Fields): string[] | undefined {
  const origins = readStringList(fields, 'allowed_cors_origins');
  if (origins === undefined) return undefined;
  origins.forEach((origin, index) => {
    const problem = corsOriginProblem(origin);
    if (problem) throw new InvalidClientMetadata(`allowed_cors_origins[${index}] ${problem}`);
  });
  return origins.length > 0 ? origins : undefined;
}

function readClientName(fields: Fields): string | undefined {
  const raw = readString(fields, 'client_name');
  if (raw === undefined) return undefined;
  const name = raw.trim();
  if (name === '') throw new InvalidClientMetadata('client_name must not be empty');
  if (name.length > MAX_CLIENT_NAME_LENGTH) {
    throw new InvalidClientMetadata(
      `client_name must be at most ${MAX_CLIENT_NAME_LENGTH} characters`,
    );
  }
  // It is shown on the consent page: control and bidi-override characters could disguise it.
  if (/\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u.test(name)) {
    throw new InvalidClientMetadata('client_name must not contain control or bidi characters');
  }
  return name;
}

function readScope(fields: Fields): string | undefined {
  const raw = readString(fields, 'scope');
  if (raw === undefined) return undefined;
  let scopes: Set<string>;
  try {
    scopes = parseScope(raw);
  } catch (err) {
    if (err instanceof OAuthError) throw new InvalidClientMetadata(`scope: ${err.description}`);
    throw err;
  }
  return scopes.size > 0 ? formatScope(scopes) : undefined;
}

function readLifetime(fields: Fields, name: keyof typeof LIFETIME_BOUNDS): number | undefined {
  const value = field(fields, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidClientMetadata(`${name} must be an integer number of seconds`);
  }
  const { min, max } = LIFETIME_BOUNDS[name];
  if (value < min || value > max) {
    throw new InvalidClientMetadata(`${name} must be between ${min} and ${max} seconds`);
  }
  return value;
}

function readBoolean(fields: Fields, name: string): boolean | undefined {
  const value = field(fields, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new InvalidClientMetadata(`${name} must be a boolean`);
  return value;
}

function readString(fields: Fields, name: string): string | undefined {
  const value = field(fields, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidClientMetadata(`${name} must be a string`);
  return value;
}

function readEnum<T extends string>(
  fields: Fields,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = readString(fields, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidClientMetadata(
      `${name} has ${describeValue(value)}; expected one of ${allowed.join(', ')}`,
    );
  }
  return value as T;
}

/** A list of enumerated strings, duplicates dropped. */
function readEnumList<T extends string>(
  fields: Fields,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const values = readStringList(fields, name);
  if (values === undefined) return undefined;
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidClientMetadata(
        `${name} contains ${describeValue(value)}; supported: ${allowed.join(', ')}`,
      );
    }
  }
  return values as T[];
}

/** A list of strings, duplicates dropped. */
function readStringList(
  fields: Fields,
  name: string,
  ErrorClass: OAuthErrorClass = InvalidClientMetadata,
): string[] | undefined {
  const value = field(fields, name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new ErrorClass(`${name} must be an array of strings`);
  }
  return [...new Set(value)];
}

/** A list of URIs, each checked by the redirect URI rules of the client's application_type. */
function readUriList(
  fields: Fields,
  name: string,
  rules: RedirectUriRules,
  ErrorClass: OAuthErrorClass,
): string[] {
  const uris = readStringList(fields, name, ErrorClass) ?? [];
  uris.forEach((uri, index) => {
    const problem = redirectUriProblem(uri, rules);
    if (problem) throw new ErrorClass(`${name}[${index}] ${problem}`);
  });
  return uris;
}

// ---------------------------------------------------------------- plumbing

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own field of the input; `null` counts as absent (and, in an update, as a reset). */
function field(fields: Fields, name: string): unknown {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  return value === null ? undefined : value;
}

function copyFields(input: Record<string, unknown>): Fields {
  return Object.assign(Object.create(null) as Fields, input);
}

/**
 * JSON merge patch of `patch` over the stored metadata. response_types follows grant_types here
 * (only `code` exists, and only with authorization_code), so a patch that changes grant_types but
 * not response_types re-derives it instead of keeping a value that would now contradict it.
 */
function applyUpdate(existing: ClientMetadata, patch: Record<string, unknown>): Fields {
  const fields = copyFields({ ...existing });
  if (Object.hasOwn(patch, 'grant_types') && !Object.hasOwn(patch, 'response_types')) {
    delete fields.response_types;
  }
  for (const key of Object.keys(patch)) fields[key] = patch[key];
  return fields;
}

/** Quotes a value in a description only if it cannot break the error_description charset. */
function describeValue(value: string): string {
  return /^[\x21\x23-\x26\x28-\x5B\x5D-\x7E]{1,64}$/.test(value)
    ? `the unsupported value '${value}'`
    : 'an unsupported value';
}

function withoutUndefined(metadata: ClientMetadata): ClientMetadata {
  const entries = Object.entries(metadata).filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries) as unknown as ClientMetadata;
}
