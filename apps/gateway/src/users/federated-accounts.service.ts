import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { sha256Base64Url } from '@latchkey/oauth';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { User } from './user';
import { isName, MAX_NAMES } from './user-input.validators';
import { toUser, type UserEntity } from './user.entity';
import { canonicalUsername, checkUsername, usernameKey } from './username';
import { FederatedIdentitiesRepository } from './federated-identities.repository';
import { UsersRepository, type NewUser, type UserChanges } from './users.repository';

/** The local profile fields an upstream identity provider keeps up to date. */
export interface MappedProfile {
  email?: string | null;
  email_verified?: boolean;
  name?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  /** Only a wish for the username of a new account; a taken or unfit one gets a generated name. */
  preferred_username?: string;
}

export interface UpstreamIdentity {
  providerId: string;
  /** The upstream's `iss` (OAuth 2.0: the origin of its authorization endpoint). */
  issuer: string;
  subject: string;
  profile: MappedProfile;
  /** The provider's mapped groups; they replace what this link brought to the user last time. */
  groups: string[];
  /** The provider's opt-in rule: link an existing account by the same verified e-mail. */
  linkByVerifiedEmail: boolean;
}

/** How the upstream identity found its local user. */
export type FederatedOutcome = 'signed_in' | 'provisioned' | 'linked';

export type FederatedSignIn =
  { user: User; outcome: FederatedOutcome } | { refused: 'disabled' | 'ambiguous_email' };

/**
 * Just-in-time provisioning (docs/identity-providers.md): an upstream identity (`iss`, `sub`)
 * finds its linked local user, whose mapped attributes are refreshed; else, only under the
 * provider's opt-in rule, the one active local user with the same verified e-mail is linked;
 * else a new user without a password is made and linked. One transaction: a failure leaves
 * neither a user nor a link behind.
 */
@Injectable()
export class FederatedAccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly links: FederatedIdentitiesRepository,
  ) {}

  signIn(identity: UpstreamIdentity, now: Date): Promise<FederatedSignIn> {
    return this.dataSource.transaction(async (em) => {
      const groups = localGroupNames(identity.groups);
      const link = await this.links.lock(em, identity.issuer, identity.subject);
      if (link) {
        const user = await this.users.lockById(em, link.userId);
        if (!user || user.disabled) return { refused: 'disabled' as const };
        await this.links.touch(em, link, { groups, lastLoginAt: now });
        const refreshed = await this.refresh(
          em,
          user,
          identity.profile,
          {
            previous: link.groups,
            current: groups,
          },
          now,
        );
        return { user: refreshed, outcome: 'signed_in' };
      }
      const existing = await this.linkableUser(em, identity);
      if (existing === 'ambiguous') return { refused: 'ambiguous_email' as const };
      const user = existing ?? (await this.provision(em, identity, groups, now));
      const inserted = await this.links.insertIfAbsent(em, {
        issuer: identity.issuer,
        subject: identity.subject,
        providerId: identity.providerId,
        userId: user.id,
        groups,
        createdAt: now,
        lastLoginAt: now,
      });
      // A concurrent first sign-in of the same identity won: roll back and let the user retry.
      if (!inserted) throw new Error('the upstream identity was linked concurrently');
      if (existing) {
        const linked = await this.refresh(
          em,
          existing,
          identity.profile,
          {
            previous: [],
            current: groups,
          },
          now,
        );
        return { user: linked, outcome: 'linked' };
      }
      return { user: toUser(user), outcome: 'provisioned' };
    });
  }

  /**
   * The local account the opt-in rule links to: both sides' e-mail verified and equal, and
   * exactly one such active account (two would make the choice a guess).
   */
  private async linkableUser(
    em: EntityManager,
    identity: UpstreamIdentity,
  ): Promise<UserEntity | 'ambiguous' | undefined> {
    const { email, email_verified } = identity.profile;
    if (!identity.linkByVerifiedEmail || !email || email_verified !== true) return undefined;
    const matches = await this.links.usersWithVerifiedEmail(em, email);
    if (matches.length > 1) return 'ambiguous';
    return matches[0];
  }

  private async provision(
    em: EntityManager,
    identity: UpstreamIdentity,
    groups: string[],
    now: Date,
  ): Promise<NewUser> {
    const { profile } = identity;
    const base = {
      id: randomUUID(),
      passwordHash: null,
      email: profile.email ?? null,
      emailVerified: profile.email_verified === true,
      name: profile.name ?? null,
      givenName: profile.given_name ?? null,
      familyName: profile.family_name ?? null,
      groups,
      roles: [],
      resourceRoles: {},
      attributes: {},
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
    for (const wanted of usernameCandidates(identity)) {
      const username = canonicalUsername(wanted);
      const user: NewUser = { ...base, username, usernameNormalized: usernameKey(username) };
      if (await this.users.insertIfUsernameFree(em, user)) return user;
    }
    throw new Error('no free username for the upstream identity');
  }

  /**
   * Writes the mapped attributes the upstream sent (an absent claim leaves the field alone), and
   * its groups in place of the ones this link brought last time (groups an admin gave stay).
   */
  private async refresh(
    em: EntityManager,
    user: UserEntity,
    profile: MappedProfile,
    groups: { previous: readonly string[]; current: readonly string[] },
    now: Date,
  ): Promise<User> {
    const changes: UserChanges = {};
    const nextGroups = mergedGroups(user.groups, groups.previous, groups.current);
    if (!sameList(nextGroups, user.groups)) changes.groups = nextGroups;
    if (profile.email !== undefined) changes.email = profile.email;
    if (profile.email_verified !== undefined) changes.emailVerified = profile.email_verified;
    if (profile.name !== undefined) changes.name = profile.name;
    if (profile.given_name !== undefined) changes.givenName = profile.given_name;
    if (profile.family_name !== undefined) changes.familyName = profile.family_name;
    const changed = Object.entries(changes).some(
      ([key, value]) => key === 'groups' || user[key as keyof UserChanges] !== value,
    );
    if (!changed) return toUser(user);
    const next = { ...changes, updatedAt: now };
    await this.users.update(em, user.id, next);
    return toUser({ ...user, ...next });
  }
}

/**
 * The mapped groups a local user can hold (docs/architecture.md §7): a name that is not a valid
 * group name (a space, a quote) is left out, never altered into another group's name.
 */
function localGroupNames(groups: readonly string[]): string[] {
  return [...new Set(groups.filter(isName))].slice(0, MAX_NAMES);
}

/** The user's groups without the ones the link brought last time, then the link's current ones. */
export function mergedGroups(
  own: readonly string[],
  previous: readonly string[],
  current: readonly string[],
): string[] {
  const dropped = new Set(previous);
  const kept = own.filter((g) => !dropped.has(g));
  return [...new Set([...kept, ...current])].slice(0, MAX_NAMES);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/**
 * The upstream's preferred_username when it is a valid username, then a name made from the
 * provider and a hash of the subject (stable, and says nothing of the upstream account).
 */
function usernameCandidates(identity: UpstreamIdentity): string[] {
  const wanted = identity.profile.preferred_username;
  const generated = `${identity.providerId}.${sha256Base64Url(identity.subject).slice(0, 12)}`
    .replace(/[^A-Za-z0-9._@+-]/g, '-')
    .slice(0, 64);
  const candidates: string[] = [];
  if (wanted !== undefined && checkUsername(wanted) === undefined) candidates.push(wanted);
  candidates.push(generated, `${generated.slice(0, 50)}.${randomUUID().slice(0, 8)}`);
  return candidates;
}
