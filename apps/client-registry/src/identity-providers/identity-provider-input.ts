/**
 * Validation of upstream identity providers from the admin API (docs/identity-providers.md).
 * Errors are invalid_request naming the field; descriptions never echo the input. Every URL the
 * server will call is checked against the outbound policy here, and again when it is called.
 */
import {
  IDENTITY_PROVIDER_ID_PATTERN,
  IDENTITY_PROVIDER_KINDS,
  MAPPED_ATTRIBUTES,
  UPSTREAM_CLIENT_AUTH_METHODS,
  type ClaimMapping,
  type IdentityProviderKind,
  type IdentityProviderView,
  type UpstreamClientAuthMethod,
} from '@latchkey/contracts';
import { createPrivateKey, type JsonWebKeyInput } from 'node:crypto';
import {
  InvalidRequest,
  isValidScopeToken,
  jwkSigningAlgorithm,
  outboundUrlProblem,
  type OutboundPolicy,
} from '@latchkey/oauth';
import { readLdapSettings } from './ldap-settings-input';

const MAX_TEXT = 200;
const MAX_URL = 2000;
const MAX_LIST = 100;
/** A DNS name of at least two labels, lower case (RFC 1035 letters, digits and hyphens). */
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CLAIM_PATTERN = /^[A-Za-z0-9_:.-]{1,100}$/;

/** What the admin may set: the view without what the registry keeps (secret, timestamps). */
export type IdentityProviderInput = Omit<
  IdentityProviderView,
  'client_secret_set' | 'created_at' | 'updated_at'
>;

/** The input and the secret it carried: undefined keeps the stored one, null removes it. */
export interface ValidatedProvider {
  provider: IdentityProviderInput;
  clientSecret: string | null | undefined;
}

type Fields = Record<string, unknown>;

export function validateIdentityProvider(
  input: unknown,
  policy: OutboundPolicy,
): ValidatedProvider {
  if (!isObject(input)) throw new InvalidRequest('provider must be a JSON object');
  const provider = readProvider(input, policy);
  return { provider, clientSecret: readSecret(input, secretFieldOf(provider)) };
}

/** A JSON merge patch (RFC 7396) over a stored provider, validated as a whole; the id is fixed. */
export function validateIdentityProviderPatch(
  existing: IdentityProviderInput,
  patch: unknown,
  policy: OutboundPolicy,
): ValidatedProvider {
  if (!isObject(patch)) throw new InvalidRequest('patch must be a JSON object');
  if (Object.hasOwn(patch, 'id') && patch.id !== existing.id) {
    throw new InvalidRequest('id cannot be changed');
  }
  const fields: Fields = { ...existing };
  for (const [key, value] of Object.entries(patch)) {
    if ((SECRET_FIELDS as readonly string[]).includes(key)) continue;
    if (value === null) delete fields[key];
    else if (key === 'ldap' && isObject(value) && isObject(fields.ldap)) {
      fields.ldap = mergeObjects(fields.ldap, value);
    } else fields[key] = value;
  }
  fields.id = existing.id;
  const provider = readProvider(fields, policy);
  return { provider, clientSecret: readSecret(patch, secretFieldOf(provider)) };
}

function readProvider(fields: Fields, policy: OutboundPolicy): IdentityProviderInput {
  const id = fields.id;
  if (typeof id !== 'string' || !IDENTITY_PROVIDER_ID_PATTERN.test(id)) {
    throw new InvalidRequest('id must be 1 to 63 lower-case letters, digits and dashes');
  }
  const kind = fields.kind;
  if (!(IDENTITY_PROVIDER_KINDS as readonly unknown[]).includes(kind)) {
    throw new InvalidRequest(`kind must be one of ${IDENTITY_PROVIDER_KINDS.join(', ')}`);
  }
  if (kind === 'ldap') return readLdapProvider(id, fields, policy);
  if (fields.ldap !== undefined && fields.ldap !== null) {
    throw new InvalidRequest('ldap applies to an ldap provider only');
  }
  const url = (name: string) => readUrl(fields, name, policy);
  const provider: IdentityProviderInput = {
    id,
    kind: kind as IdentityProviderKind,
    display_name: readText(fields, 'display_name') ?? id,
    enabled: readBoolean(fields, 'enabled', true),
    client_ids: readClientIds(fields.client_ids),
    domains: readDomains(fields.domains),
    issuer: url('issuer'),
    authorization_endpoint: url('authorization_endpoint'),
    token_endpoint: url('token_endpoint'),
    userinfo_endpoint: url('userinfo_endpoint'),
    jwks_uri: url('jwks_uri'),
    client_id: readRequiredText(fields, 'client_id'),
    client_auth_method: readAuthMethod(fields.client_auth_method),
    scopes: readScopes(fields.scopes, kind === 'oidc'),
    subject_claim: readClaim(fields.subject_claim, 'subject_claim') ?? 'sub',
    claim_mapping: readMapping(fields.claim_mapping, STANDARD_CLAIMS),
    use_userinfo: readBoolean(fields, 'use_userinfo', kind === 'oauth2'),
    link_by_verified_email: readBoolean(fields, 'link_by_verified_email', false),
  };
  checkEndpointsOfKind(provider);
  return provider;
}

/**
 * An LDAP directory: no redirect, so none of the OAuth fields apply; its settings, the entry
 * attribute that identifies the user stably (`entryUUID` by default), and attribute mapping.
 */
function readLdapProvider(
  id: string,
  fields: Fields,
  policy: OutboundPolicy,
): IdentityProviderInput {
  for (const name of OAUTH_ONLY_FIELDS) {
    const value = fields[name];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
      throw new InvalidRequest(`${name} does not apply to an ldap provider`);
    }
  }
  if (fields.use_userinfo === true) {
    throw new InvalidRequest('use_userinfo does not apply to an ldap provider');
  }
  return {
    id,
    kind: 'ldap',
    display_name: readText(fields, 'display_name') ?? id,
    enabled: readBoolean(fields, 'enabled', true),
    client_ids: readClientIds(fields.client_ids),
    domains: readDomains(fields.domains),
    issuer: null,
    authorization_endpoint: null,
    token_endpoint: null,
    userinfo_endpoint: null,
    jwks_uri: null,
    client_id: null,
    client_auth_method: 'client_secret_basic',
    scopes: [],
    subject_claim: readClaim(fields.subject_claim, 'subject_claim') ?? 'entryUUID',
    claim_mapping: readMapping(fields.claim_mapping, LDAP_ATTRIBUTES),
    use_userinfo: false,
    link_by_verified_email: readBoolean(fields, 'link_by_verified_email', false),
    ldap: readLdapSettings(fields.ldap, policy),
  };
}

/**
 * OpenID Connect needs its issuer (the endpoints come from discovery unless given); OAuth 2.0
 * has no discovery, so its three endpoints are required, and userinfo is where the user is.
 */
function checkEndpointsOfKind(provider: IdentityProviderInput): void {
  if (provider.kind === 'oidc') {
    if (!provider.issuer) throw new InvalidRequest('issuer is required for an oidc provider');
    return;
  }
  for (const name of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const) {
    if (!provider[name]) throw new InvalidRequest(`${name} is required for an oauth2 provider`);
  }
  if (!provider.use_userinfo) {
    throw new InvalidRequest('use_userinfo cannot be false for an oauth2 provider');
  }
}

/** Which write-only field holds the provider's one secret. */
type SecretField = 'client_secret' | 'bind_password' | 'private_jwk';

function secretFieldOf(provider: IdentityProviderInput): SecretField {
  if (provider.kind === 'ldap') return 'bind_password';
  return provider.client_auth_method === 'private_key_jwt' ? 'private_jwk' : 'client_secret';
}

/**
 * The write-only secret: `client_secret`, an `ldap` provider's `bind_password`, or the private
 * JWK of `private_key_jwt` (kept as its JSON text). Any other of them is refused.
 */
function readSecret(fields: Fields, name: SecretField): string | null | undefined {
  for (const other of SECRET_FIELDS) {
    if (other !== name && Object.hasOwn(fields, other)) {
      throw new InvalidRequest(`${other} does not apply to this provider (it takes ${name})`);
    }
  }
  if (!Object.hasOwn(fields, name)) return undefined;
  const secret = fields[name];
  if (secret === null) return null;
  if (name === 'private_jwk') return readPrivateJwk(secret);
  if (typeof secret !== 'string' || secret === '' || secret.length > 4096) {
    throw new InvalidRequest(`${name} must be a non-empty string`);
  }
  return secret;
}

/** A private asymmetric signing key as a JWK (RFC 7517) that Node can load. */
function readPrivateJwk(value: unknown): string {
  const problem = 'private_jwk must be a private RSA, EC (P-256, P-384, P-521) or Ed25519 JWK';
  if (!isObject(value) || jwkSigningAlgorithm(value) === undefined) {
    throw new InvalidRequest(problem);
  }
  try {
    createPrivateKey({ key: value as JsonWebKeyInput['key'], format: 'jwk' });
  } catch {
    throw new InvalidRequest(problem);
  }
  const text = JSON.stringify(value);
  if (text.length > 16_384) throw new InvalidRequest(problem);
  return text;
}

function readUrl(fields: Fields, name: string, policy: OutboundPolicy): string | null {
  const value = fields[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_URL) {
    throw new InvalidRequest(`${name} must be a URL`);
  }
  const problem = outboundUrlProblem(value, policy);
  if (problem) throw new InvalidRequest(`${name} ${problem}`);
  return value;
}

function readText(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_TEXT) {
    throw new InvalidRequest(`${name} must be a string of 1 to ${MAX_TEXT} characters`);
  }
  return value;
}

function readRequiredText(fields: Fields, name: string): string {
  const value = readText(fields, name);
  if (value === undefined) throw new InvalidRequest(`${name} is required`);
  return value;
}

function readBoolean(fields: Fields, name: string, fallback: boolean): boolean {
  const value = fields[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new InvalidRequest(`${name} must be true or false`);
  return value;
}

function mergeObjects(target: Fields, patch: Fields): Fields {
  const merged: Fields = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

function readClientIds(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (
    !Array.isArray(value) ||
    value.length > MAX_LIST ||
    !value.every((v) => typeof v === 'string' && v !== '' && v.length <= MAX_TEXT)
  ) {
    throw new InvalidRequest('client_ids must be a list of client ids, or null for every client');
  }
  return [...new Set(value as string[])];
}

function readDomains(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_LIST) {
    throw new InvalidRequest('domains must be a list of e-mail domains');
  }
  const domains = value.map((v) => (typeof v === 'string' ? v.toLowerCase() : ''));
  if (!domains.every((d) => DOMAIN_PATTERN.test(d))) {
    throw new InvalidRequest('domains must be a list of e-mail domains');
  }
  return [...new Set(domains)];
}

function readAuthMethod(value: unknown): UpstreamClientAuthMethod {
  if (value === undefined || value === null) return 'client_secret_basic';
  if (!(UPSTREAM_CLIENT_AUTH_METHODS as readonly unknown[]).includes(value)) {
    throw new InvalidRequest(
      `client_auth_method must be one of ${UPSTREAM_CLIENT_AUTH_METHODS.join(', ')}`,
    );
  }
  return value as UpstreamClientAuthMethod;
}

/** OIDC always asks `openid` (without it there is no id_token). */
function readScopes(value: unknown, oidc: boolean): string[] {
  const scopes =
    value === undefined || value === null ? (oidc ? ['openid', 'profile', 'email'] : []) : value;
  if (
    !Array.isArray(scopes) ||
    scopes.length > MAX_LIST ||
    !scopes.every((s) => typeof s === 'string' && isValidScopeToken(s))
  ) {
    throw new InvalidRequest('scopes must be a list of scope tokens');
  }
  const unique = [...new Set(scopes as string[])];
  if (oidc && !unique.includes('openid')) unique.unshift('openid');
  return unique;
}

function readClaim(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !CLAIM_PATTERN.test(value)) {
    throw new InvalidRequest(`${name} must be a claim name`);
  }
  return value;
}

/** The defaults: the standard claims of the same name (OIDC Core §5.1), `groups` unmapped. */
const STANDARD_CLAIMS: ClaimMapping = Object.fromEntries(
  MAPPED_ATTRIBUTES.filter((a) => a !== 'groups').map((a) => [a, a]),
);

/**
 * The defaults of a directory: inetOrgPerson (RFC 2798) attributes, and the groups the entry is
 * a member of (memberOf) unless groups are searched. A directory says nothing of verification.
 */
const LDAP_ATTRIBUTES: ClaimMapping = {
  email: 'mail',
  name: 'cn',
  given_name: 'givenName',
  family_name: 'sn',
  preferred_username: 'uid',
  groups: 'memberOf',
};

/** Registration fields of the OAuth kinds that an `ldap` provider must leave out. */
const OAUTH_ONLY_FIELDS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'client_id',
  'scopes',
] as const;

const SECRET_FIELDS: readonly SecretField[] = ['client_secret', 'bind_password', 'private_jwk'];

function readMapping(value: unknown, defaults: ClaimMapping): ClaimMapping {
  const mapping: ClaimMapping = { ...defaults };
  if (value === undefined || value === null) return mapping;
  if (!isObject(value)) throw new InvalidRequest('claim_mapping must be a JSON object');
  for (const [attribute, claim] of Object.entries(value)) {
    if (!(MAPPED_ATTRIBUTES as readonly string[]).includes(attribute)) {
      throw new InvalidRequest(`claim_mapping may only name ${MAPPED_ATTRIBUTES.join(', ')}`);
    }
    const key = attribute as keyof ClaimMapping;
    if (claim === null) delete mapping[key];
    else mapping[key] = readClaim(claim, `claim_mapping.${attribute}`);
  }
  return mapping;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
