import { CliError, UsageError } from '../cli.errors';
import type { Command, CommandContext, CommandGroup } from '../command';
import { parseAssignments, type CommandLine, type OptionSpecs } from '../command-line';
import type { Column } from '../output';
import { listPages, PAGE_OPTIONS, segment } from './command-helpers';

/*
 * `users create|list|show|update|disable`, `roles` and `groups`: user accounts, and the groups,
 * roles and attributes their tokens carry (docs/architecture.md §7), over /admin/users.
 */

const USERS = '/admin/users';

/** A user as the admin API answers it. */
export interface UserAnswer {
  id: string;
  username: string;
  groups: string[];
  roles: string[];
  resource_roles: Record<string, string[]>;
  attributes: Record<string, unknown>;
  [field: string]: unknown;
}

const LIST_COLUMNS: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'USERNAME', field: 'username' },
  { header: 'EMAIL', field: 'email' },
  { header: 'DISABLED', field: 'disabled' },
  { header: 'GROUPS', field: 'groups' },
  { header: 'ROLES', field: 'roles' },
];

const FIELD_ORDER = [
  'id',
  'username',
  'email',
  'email_verified',
  'name',
  'given_name',
  'family_name',
  'disabled',
  'groups',
  'roles',
  'resource_roles',
  'attributes',
  'created_at',
  'updated_at',
];

const PROFILE_OPTIONS: OptionSpecs = {
  email: { type: 'string', value: 'ADDRESS', description: 'e-mail address' },
  'email-verified': { type: 'boolean', description: 'the address is known to be the user’s' },
  name: { type: 'string', value: 'TEXT', description: 'full name' },
  'given-name': { type: 'string', value: 'TEXT', description: 'given name' },
  'family-name': { type: 'string', value: 'TEXT', description: 'family name' },
  group: { type: 'string', multiple: true, value: 'GROUP', description: 'a group (repeatable)' },
  role: {
    type: 'string',
    multiple: true,
    value: 'ROLE',
    description: 'a global role (repeatable)',
  },
  attribute: {
    type: 'string',
    multiple: true,
    value: 'NAME=VALUE',
    description: 'a custom attribute; VALUE is JSON when it parses, else text (repeatable)',
  },
  'password-stdin': { type: 'boolean', description: 'read the password from standard input' },
};

const create: Command = {
  name: 'create',
  summary: 'create a user (the password is read from standard input)',
  positionals: ['USERNAME'],
  options: PROFILE_OPTIONS,
  notes: [
    'Example:',
    '  printf %s "$PASSWORD" | latchkey users create alice --password-stdin \\',
    '    --email alice@example.com --group engineering --attribute department=Finance',
  ],
  async run(context, line) {
    if (!line.flag('password-stdin')) {
      throw new UsageError(
        'create needs --password-stdin (a password never goes on the command line)',
      );
    }
    const user = {
      username: line.positionals[0],
      password: await readPassword(context),
      ...profileFlags(line),
    };
    const api = await context.api();
    context.output.record(await api.post<UserAnswer>(USERS, user), FIELD_ORDER);
  },
};

const list: Command = {
  name: 'list',
  summary: 'list users in creation order',
  positionals: [],
  options: {
    ...PAGE_OPTIONS,
    username: { type: 'string', value: 'NAME', description: 'only this username (any case)' },
  },
  async run(context, line) {
    const api = await context.api();
    const username = line.string('username');
    const route =
      username === undefined ? USERS : `${USERS}?username=${encodeURIComponent(username)}`;
    const { body, items } = await listPages<UserAnswer>(context, api, route, line, 'users');
    context.output.list(body, items, LIST_COLUMNS);
  },
};

const show: Command = {
  name: 'show',
  summary: 'show a user',
  positionals: ['USER_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    context.output.record(await api.get<UserAnswer>(userPath(line.positionals[0]!)), FIELD_ORDER);
  },
};

const update: Command = {
  name: 'update',
  summary: 'change a user (JSON merge patch: --group/--role replace the lists, --attribute merges)',
  positionals: ['USER_ID'],
  options: {
    ...PROFILE_OPTIONS,
    username: { type: 'string', value: 'NAME', description: 'a new username' },
    'no-groups': { type: 'boolean', description: 'remove every group' },
    'no-roles': { type: 'boolean', description: 'remove every global role' },
    'remove-attribute': {
      type: 'string',
      multiple: true,
      value: 'NAME',
      description: 'remove an attribute (repeatable)',
    },
    enable: { type: 'boolean', description: 'enable a disabled user' },
  },
  async run(context, line) {
    const patch: Record<string, unknown> = profileFlags(line);
    const username = line.string('username');
    if (username !== undefined) patch.username = username;
    if (line.flag('password-stdin')) patch.password = await readPassword(context);
    if (line.flag('no-groups')) patch.groups = [];
    if (line.flag('no-roles')) patch.roles = [];
    if (line.has('remove-attribute')) {
      const removed = Object.fromEntries(
        line.strings('remove-attribute').map((name) => [name, null]),
      );
      patch.attributes = { ...(patch.attributes as object | undefined), ...removed };
    }
    if (line.flag('enable')) patch.disabled = false;
    if (Object.keys(patch).length === 0) throw new UsageError('update needs at least one change');
    const api = await context.api();
    const user = await api.patch<UserAnswer>(userPath(line.positionals[0]!), patch);
    context.output.record(user, FIELD_ORDER);
  },
};

const disable: Command = {
  name: 'disable',
  summary: 'disable a user: no more logins, their grants and SSO sessions end',
  positionals: ['USER_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    const user = await api.patch<UserAnswer>(userPath(line.positionals[0]!), { disabled: true });
    context.output.record(user, FIELD_ORDER);
  },
};

export const userAccountCommands: Command[] = [create, list, show, update, disable];

// ------------------------------------------------------------------------------- roles, groups

const RESOURCE_OPTION: OptionSpecs = {
  resource: {
    type: 'string',
    value: 'URI',
    description: 'a role of this API resource (it must define it) instead of a global role',
  },
};

const ROLE_COLUMNS: Column[] = [
  { header: 'ROLE', field: 'role' },
  { header: 'RESOURCE', field: 'resource' },
];

const listRoles: Command = {
  name: 'list',
  summary: "a user's roles: global ones, and per API resource",
  positionals: ['USER_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    const user = await api.get<UserAnswer>(userPath(line.positionals[0]!));
    const items = [
      ...user.roles.map((role) => ({ role, resource: '(global)' })),
      ...Object.entries(user.resource_roles).flatMap(([resource, roles]) =>
        roles.map((role) => ({ role, resource })),
      ),
    ];
    context.output.list({ items }, items, ROLE_COLUMNS);
  },
};

const addRole: Command = {
  name: 'add',
  summary: 'give a user a role (global, or of one API resource with --resource)',
  positionals: ['USER_ID', 'ROLE'],
  options: RESOURCE_OPTION,
  notes: ['Example:', '  latchkey roles add USER_ID clerk --resource https://orders.example.com'],
  async run(context, line) {
    await changeRoles(context, line, (roles, role) => [...new Set([...roles, role])]);
  },
};

const removeRole: Command = {
  name: 'remove',
  summary: 'take a role away from a user',
  positionals: ['USER_ID', 'ROLE'],
  options: RESOURCE_OPTION,
  async run(context, line) {
    await changeRoles(context, line, (roles, role) => roles.filter((r) => r !== role));
  },
};

export const rolesGroup: CommandGroup = {
  name: 'roles',
  summary: "a user's roles (the roles claim of their access tokens)",
  commands: [listRoles, addRole, removeRole],
};

const GROUP_COLUMNS: Column[] = [{ header: 'GROUP', field: 'group' }];

const listGroups: Command = {
  name: 'list',
  summary: "a user's groups",
  positionals: ['USER_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    const user = await api.get<UserAnswer>(userPath(line.positionals[0]!));
    const items = user.groups.map((group) => ({ group }));
    context.output.list({ items }, items, GROUP_COLUMNS);
  },
};

const addGroup: Command = {
  name: 'add',
  summary: 'add a user to a group',
  positionals: ['USER_ID', 'GROUP'],
  options: {},
  async run(context, line) {
    await changeGroups(context, line, (groups, group) => [...new Set([...groups, group])]);
  },
};

const removeGroup: Command = {
  name: 'remove',
  summary: 'remove a user from a group',
  positionals: ['USER_ID', 'GROUP'],
  options: {},
  async run(context, line) {
    await changeGroups(context, line, (groups, group) => groups.filter((g) => g !== group));
  },
};

export const groupsGroup: CommandGroup = {
  name: 'groups',
  summary: "a user's groups (the groups claim, released by the groups scope)",
  commands: [listGroups, addGroup, removeGroup],
};

/**
 * Read, change, write back: the admin API replaces lists whole. Two admins changing one user's
 * roles at the same moment may lose one change; the answer shows what was stored.
 */
async function changeRoles(
  context: CommandContext,
  line: CommandLine,
  change: (roles: string[], role: string) => string[],
): Promise<void> {
  const [id, role] = line.positionals as [string, string];
  const api = await context.api();
  const user = await api.get<UserAnswer>(userPath(id));
  const resource = line.string('resource');
  const patch =
    resource === undefined
      ? { roles: change(user.roles, role) }
      : {
          resource_roles: withResourceRoles(
            user,
            resource,
            change(user.resource_roles[resource] ?? [], role),
          ),
        };
  context.output.record(await api.patch<UserAnswer>(userPath(id), patch), FIELD_ORDER);
}

async function changeGroups(
  context: CommandContext,
  line: CommandLine,
  change: (groups: string[], group: string) => string[],
): Promise<void> {
  const [id, group] = line.positionals as [string, string];
  const api = await context.api();
  const user = await api.get<UserAnswer>(userPath(id));
  const patch = { groups: change(user.groups, group) };
  context.output.record(await api.patch<UserAnswer>(userPath(id), patch), FIELD_ORDER);
}

function withResourceRoles(
  user: UserAnswer,
  resource: string,
  roles: string[],
): Record<string, string[]> {
  const all = { ...user.resource_roles };
  if (roles.length === 0) delete all[resource];
  else all[resource] = roles;
  return all;
}

/** The flags given, as admin API fields; only the flags given are sent. */
function profileFlags(line: CommandLine): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const text = {
    email: 'email',
    name: 'name',
    'given-name': 'given_name',
    'family-name': 'family_name',
  };
  for (const [flag, field] of Object.entries(text)) {
    const value = line.string(flag);
    if (value !== undefined) fields[field] = value;
  }
  if (line.flag('email-verified')) fields.email_verified = true;
  if (line.has('group')) fields.groups = line.strings('group');
  if (line.has('role')) fields.roles = line.strings('role');
  if (line.has('attribute')) {
    fields.attributes = parseAssignments(line.strings('attribute'), 'attribute');
  }
  return fields;
}

async function readPassword(context: CommandContext): Promise<string> {
  const password = (await context.io.readStdin()).replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin read an empty password');
  return password;
}

function userPath(id: string): string {
  return `${USERS}/${segment(id)}`;
}
