import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AuditClient } from '@latchkey/audit-client';
import { toPage } from '@latchkey/core';
import { Conflict, NotFound } from '@latchkey/oauth';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PasswordHasher } from './password.hasher';
import { toUserView, type UserPage, type UserView } from './user';
import { UserAccessService } from './user-access.service';
import { changedUserFields, userChanges } from './user-changes';
import type { CreateUserDto, UpdateUserDto } from './user.dto';
import { toUser } from './user.entity';
import type { UserListQuery } from './user-list.query';
import { canonicalUsername, usernameKey } from './username';
import { UsersRepository, type NewUser } from './users.repository';
import { ResourceRolesCheck } from './resource-roles.check';

const usernameTaken = () => new Conflict('username is taken');
const noSuchUser = () => new NotFound('no such user');

/**
 * The admin API's user management (docs/architecture.md §4). Disabling or deleting a user ends their access in
 * this order: the account is disabled first (committed: no new login can succeed from then on),
 * then their grants and sessions are ended. If that fails (token service unreachable: 503) the
 * user stays disabled, the safe state, and the request can be repeated until it succeeds; rolling
 * the flag back instead would re-open logins for a user an admin wanted out.
 *
 * Each change is audited in its own transaction (`user.created`, `user.updated`, `user.disabled`,
 * `user.deleted`; docs/audit-events.md): the event exists if and only if the change commits.
 */
@Injectable()
export class UserAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly access: UserAccessService,
    private readonly resourceRoles: ResourceRolesCheck,
    private readonly audit: AuditClient,
  ) {}

  async create(input: CreateUserDto): Promise<UserView> {
    if (input.resource_roles) await this.resourceRoles.check(input.resource_roles);
    const now = new Date();
    const username = canonicalUsername(input.username);
    const user: NewUser = {
      id: randomUUID(),
      username,
      usernameNormalized: usernameKey(username),
      passwordHash: await this.hasher.hash(input.password),
      email: input.email ?? null,
      emailVerified: input.email_verified ?? false,
      name: input.name ?? null,
      givenName: input.given_name ?? null,
      familyName: input.family_name ?? null,
      disabled: false,
      groups: input.groups ?? [],
      roles: input.roles ?? [],
      resourceRoles: input.resource_roles ?? {},
      attributes: input.attributes ?? {},
      createdAt: now,
      updatedAt: now,
    };
    await this.dataSource.transaction(async (em) => {
      if (!(await this.users.insertIfUsernameFree(em, user))) throw usernameTaken();
      await this.audit.recordInTransaction(em, 'user.created', {
        subject: user.id,
        data: { sub: user.id, username },
      });
    });
    return toUserView(toUser(user));
  }

  async list(query: UserListQuery): Promise<UserPage> {
    const key = query.username === undefined ? undefined : usernameKey(query.username);
    const rows = await this.users.page(
      this.dataSource.manager,
      query.afterSeq,
      query.limit + 1,
      key,
    );
    return toPage(rows, query.limit, (row) => toUserView(toUser(row)));
  }

  async get(id: string): Promise<UserView> {
    const user = await this.users.findById(this.dataSource.manager, id);
    if (!user) throw noSuchUser();
    return toUserView(toUser(user));
  }

  /**
   * Applies a merge patch. `disabled: true` always ends the user's access, even when they were
   * disabled already: that is how a request that answered 503 is completed.
   */
  async update(id: string, patch: UpdateUserDto): Promise<UserView> {
    // Hashing takes tens of milliseconds: not while holding the row lock.
    if (patch.resource_roles) await this.resourceRoles.check(patch.resource_roles);
    const passwordHash =
      patch.password === undefined ? undefined : await this.hasher.hash(patch.password);
    const updated = await this.dataSource.transaction(async (em) => {
      const current = await this.users.lockById(em, id);
      if (!current) throw noSuchUser();
      const changes = userChanges(current, patch, passwordHash, new Date());
      if (!changes) return current;
      if (!(await this.users.update(em, id, changes))) throw usernameTaken();
      const about = { subject: id, data: { sub: id } };
      await this.audit.recordInTransaction(em, 'user.updated', {
        ...about,
        data: { sub: id, changed: changedUserFields(changes) },
      });
      if (changes.disabled === true)
        await this.audit.recordInTransaction(em, 'user.disabled', about);
      return Object.assign(current, changes);
    });
    if (patch.disabled === true) await this.access.endAccess(id, 'disabled');
    return toUserView(toUser(updated));
  }

  /**
   * Disables, ends access, then deletes: a failure in between leaves a disabled user that the
   * repeated DELETE finds again, rather than a deleted user whose grants live on.
   */
  async delete(id: string): Promise<void> {
    if (!(await this.users.disable(this.dataSource.manager, id, new Date()))) throw noSuchUser();
    await this.access.endAccess(id, 'deleted');
    await this.dataSource.transaction(async (em) => {
      // A repeated DELETE that finds the user gone has nothing left to record.
      if (!(await this.users.delete(em, id))) return;
      await this.audit.recordInTransaction(em, 'user.deleted', { subject: id, data: { sub: id } });
    });
  }
}
