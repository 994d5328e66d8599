/**
 * Mapping an upstream's claims (id_token and userinfo) onto the local user
 * (docs/identity-providers.md). Pure, and strict: a claim of the wrong type is ignored, never
 * coerced into a profile field.
 */
import type { ClaimMapping } from '@latchkey/contracts';
import { isIdentifierText } from '@latchkey/oauth';
import type { MappedProfile } from '../users/federated-accounts.service';

export type Claims = Record<string, unknown>;

const MAX_VALUE_LENGTH = 512;
const MAX_SUBJECT_LENGTH = 255;
const MAX_GROUPS = 200;

/** A claim by name; a dotted name reads into nested objects (`realm_access.roles`). */
export function claimAt(claims: Claims, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Claims)[part];
  }
  return value;
}

/**
 * The stable subject: a non-empty string, or a whole number (GitHub's numeric `id`) as its
 * decimal string. Anything else is no subject: a login without one cannot be linked.
 */
export function subjectOf(claims: Claims, subjectClaim: string): string | undefined {
  const value = claimAt(claims, subjectClaim);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value !== '' && value.length <= MAX_SUBJECT_LENGTH) {
    // Controls never reach a key, a log line or a page (docs/architecture.md §3, input).
    return isIdentifierText(value) ? value : undefined;
  }
  return undefined;
}

/** The profile fields the mapping names, from the claims that are present and well-typed. */
export function mappedProfile(claims: Claims, mapping: ClaimMapping): MappedProfile {
  const profile: MappedProfile = {};
  const text = (attribute: keyof ClaimMapping): string | undefined => {
    const claim = mapping[attribute];
    if (claim === undefined) return undefined;
    const value = claimAt(claims, claim);
    return typeof value === 'string' && value !== '' && value.length <= MAX_VALUE_LENGTH
      ? value
      : undefined;
  };
  const email = text('email');
  if (email !== undefined) profile.email = email;
  const verifiedClaim = mapping.email_verified;
  if (verifiedClaim !== undefined && email !== undefined) {
    const verified = claimAt(claims, verifiedClaim);
    // Some providers send "true" as a string; only an explicit true counts as verified.
    profile.email_verified = verified === true || verified === 'true';
  }
  const name = text('name');
  if (name !== undefined) profile.name = name;
  const givenName = text('given_name');
  if (givenName !== undefined) profile.given_name = givenName;
  const familyName = text('family_name');
  if (familyName !== undefined) profile.family_name = familyName;
  const username = text('preferred_username');
  if (username !== undefined) profile.preferred_username = username;
  return profile;
}

/** The mapped groups: a list of strings (or one string), deduplicated, bounded. */
export function mappedGroups(claims: Claims, mapping: ClaimMapping): string[] {
  if (mapping.groups === undefined) return [];
  const value = claimAt(claims, mapping.groups);
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const groups = list.filter(
    (g): g is string => typeof g === 'string' && g !== '' && g.length <= MAX_VALUE_LENGTH,
  );
  return [...new Set(groups)].slice(0, MAX_GROUPS);
}
