/**
 * The pure half of signing in against an LDAP directory (docs/identity-providers.md): the search
 * filters, with what the user typed escaped as an RFC 4515 assertion value, and an entry read as
 * claims for the same mapping as an upstream's ID Token. No I/O.
 */
import {
  LDAP_DN_PLACEHOLDER,
  LDAP_USERNAME_PLACEHOLDER,
  type IdentityProviderRecord,
  type LdapSettings,
} from '@latchkey/contracts';
import { isIdentifierText } from '@latchkey/oauth';
import { Filter } from 'ldapts';
import type { Claims } from './upstream-claims';

/** A directory entry as ldapts answers it: its DN, and attribute values by name. */
export interface DirectoryEntry {
  dn: string;
  [attribute: string]: Buffer | Buffer[] | string[] | string;
}

/** Longer than any directory's naming attribute; what the form's bound already keeps out. */
const MAX_USERNAME_LENGTH = 256;

/**
 * The user search filter for a typed username, or undefined for one no directory entry could
 * have (empty, too long, control characters): it is then simply not found.
 */
export function userSearchFilter(settings: LdapSettings, username: string): string | undefined {
  if (username === '' || username.length > MAX_USERNAME_LENGTH || !isIdentifierText(username)) {
    return undefined;
  }
  return fill(settings.user_search_filter, LDAP_USERNAME_PLACEHOLDER, username);
}

/** The group search filter for the user's entry (its DN escaped as any value). */
export function groupSearchFilter(settings: LdapSettings, dn: string): string {
  return fill(settings.group_search_filter, LDAP_DN_PLACEHOLDER, dn);
}

/** Every placeholder replaced by the escaped value (never read as a replacement pattern). */
function fill(template: string, placeholder: string, value: string): string {
  return template.split(placeholder).join(Filter.escape(value));
}

/** The attributes the provider maps: the subject, and each mapped attribute. */
export function mappedAttributeNames(provider: IdentityProviderRecord): string[] {
  const names = [provider.subject_claim, ...Object.values(provider.claim_mapping)];
  return [...new Set(names.filter((n): n is string => n !== undefined))];
}

/**
 * The entry as claims under the names the mapping uses: attribute names are case-insensitive
 * (RFC 4512 §2.5), one value is a string, several a list; a binary value (Active Directory's
 * objectGUID) is its hex form.
 */
export function entryClaims(entry: DirectoryEntry, names: readonly string[]): Claims {
  const byLowerName = new Map(Object.keys(entry).map((key) => [key.toLowerCase(), key]));
  const claims: Claims = {};
  for (const name of names) {
    const key = byLowerName.get(name.toLowerCase());
    if (key === undefined || key === 'dn') continue;
    const values = [entry[key]].flat().map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
    if (values.length === 0) continue;
    claims[name] = values.length === 1 ? values[0] : values;
  }
  return claims;
}

/**
 * A group's name: the value of the first RDN of its DN (`cn=admins,ou=groups,...` → `admins`),
 * RFC 4514 escapes undone; a value that is not a DN is taken as the name itself.
 */
export function groupNameOf(dn: string): string {
  let escaped = false;
  let start = -1;
  let end = dn.length;
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === '=' && start < 0) start = i + 1;
    else if ((c === ',' || c === '+') && start >= 0) {
      end = i;
      break;
    }
  }
  if (start < 0) return dn;
  return unescapeRdnValue(dn.slice(start, end).trim());
}

/** RFC 4514 §2.4: `\` before a special character, or two hex digits of a UTF-8 byte. */
function unescapeRdnValue(value: string): string {
  const parts: Buffer[] = [];
  for (const [, hex, special, text] of value.matchAll(/\\([0-9A-Fa-f]{2})|\\([\s\S])|([^\\]+)/g)) {
    if (hex !== undefined) parts.push(Buffer.from([parseInt(hex, 16)]));
    else parts.push(Buffer.from(special ?? text ?? ''));
  }
  return Buffer.concat(parts).toString('utf8');
}
