/**
 * Validation of an `ldap` provider's directory settings (docs/identity-providers.md). The
 * connection is always encrypted (ldaps://, or ldap:// with StartTLS): a bind password or a
 * user's password never crosses the network in the clear. The directory's host obeys the same
 * outbound policy as every URL the server calls.
 */
import { X509Certificate } from 'node:crypto';
import {
  LDAP_DN_PLACEHOLDER,
  LDAP_USERNAME_PLACEHOLDER,
  type LdapSettings,
} from '@latchkey/contracts';
import {
  InvalidRequest,
  isIdentifierText,
  outboundUrlProblem,
  type OutboundPolicy,
} from '@latchkey/oauth';
import { FilterParser } from 'ldapts';

const MAX_TEXT = 1000;
const MAX_PEM = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;
const TIMEOUT_RANGE_MS = [500, 60_000] as const;
/** ldap[s]://host[:port] and nothing else: an LDAP URL's DN, attributes and filter do not belong. */
const LDAP_URL_PATTERN = /^(ldaps?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?$/;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

type Fields = Record<string, unknown>;

export function readLdapSettings(value: unknown, policy: OutboundPolicy): LdapSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequest('ldap must be a JSON object for an ldap provider');
  }
  const fields = value as Fields;
  const url = readLdapUrl(fields.url, policy);
  const startTls = fields.start_tls ?? false;
  if (typeof startTls !== 'boolean')
    throw new InvalidRequest('ldap.start_tls must be true or false');
  if (url.startsWith('ldap://') && !startTls) {
    throw new InvalidRequest('ldap.url must use ldaps://, or ldap:// with ldap.start_tls');
  }
  if (url.startsWith('ldaps://') && startTls) {
    throw new InvalidRequest('ldap.start_tls applies to ldap:// only');
  }
  const groupSearchBase = readText(fields, 'group_search_base') ?? null;
  return {
    url,
    start_tls: startTls,
    tls_ca: readCa(fields.tls_ca),
    bind_dn: readRequiredText(fields, 'bind_dn'),
    user_search_base: readRequiredText(fields, 'user_search_base'),
    user_search_filter: readFilter(fields, 'user_search_filter', LDAP_USERNAME_PLACEHOLDER, 'uid'),
    group_search_base: groupSearchBase,
    group_search_filter: readFilter(fields, 'group_search_filter', LDAP_DN_PLACEHOLDER, 'member'),
    timeout_ms: readTimeout(fields.timeout_ms),
  };
}

function readLdapUrl(value: unknown, policy: OutboundPolicy): string {
  const match = typeof value === 'string' ? LDAP_URL_PATTERN.exec(value) : null;
  if (!match)
    throw new InvalidRequest('ldap.url must be ldaps://host[:port] or ldap://host[:port]');
  const port = match[3] ? Number(match[3].slice(1)) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new InvalidRequest('ldap.url has an invalid port');
  }
  // Always encrypted, so the directory's host is judged as an https URL's host is.
  const problem = outboundUrlProblem(`https://${match[2]}${match[3] ?? ''}/`, policy);
  if (problem)
    throw new InvalidRequest(`ldap.url ${problem.replace(/^must use https$/, 'is not allowed')}`);
  return `${match[1]}://${match[2].toLowerCase()}${match[3] ?? ''}`;
}

function readCa(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const certificates =
    typeof value === 'string' && value.length <= MAX_PEM ? value.match(PEM_CERTIFICATE) : null;
  if (!certificates) throw new InvalidRequest('ldap.tls_ca must be PEM certificates');
  for (const pem of certificates) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new InvalidRequest('ldap.tls_ca must be PEM certificates');
    }
  }
  return certificates.join('\n');
}

function readText(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > MAX_TEXT ||
    !isIdentifierText(value)
  ) {
    throw new InvalidRequest(`ldap.${name} must be a string of 1 to ${MAX_TEXT} characters`);
  }
  return value;
}

function readRequiredText(fields: Fields, name: string): string {
  const value = readText(fields, name);
  if (value === undefined) throw new InvalidRequest(`ldap.${name} is required`);
  return value;
}

/** A filter template: it must name its placeholder and parse once a value is put in its place. */
function readFilter(fields: Fields, name: string, placeholder: string, attribute: string): string {
  const filter = readText(fields, name) ?? `(${attribute}=${placeholder})`;
  if (!filter.includes(placeholder)) {
    throw new InvalidRequest(`ldap.${name} must contain ${placeholder}`);
  }
  try {
    FilterParser.parseString(filter.split(placeholder).join('x'));
  } catch {
    throw new InvalidRequest(`ldap.${name} must be an LDAP filter (RFC 4515)`);
  }
  return filter;
}

function readTimeout(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_MS;
  const [min, max] = TIMEOUT_RANGE_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidRequest(`ldap.timeout_ms must be a whole number from ${min} to ${max}`);
  }
  return value;
}
