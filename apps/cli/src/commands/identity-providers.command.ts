import type { IdentityProviderView } from '@latchkey/contracts';
import { UsageError } from '../cli.errors';
import type { Command, CommandContext, CommandGroup } from '../command';
import { parseAssignments, type CommandLine, type OptionSpecs } from '../command-line';
import type { Column } from '../output';
import {
  confirmDeletion,
  JSON_FILE_OPTION,
  listPages,
  PAGE_OPTIONS,
  readJsonFileOption,
  segment,
  YES_OPTION,
} from './command-helpers';

const PROVIDERS = '/admin/identity-providers';

const LIST_COLUMNS: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'KIND', field: 'kind' },
  { header: 'NAME', field: 'display_name' },
  { header: 'ENABLED', field: 'enabled' },
  { header: 'CLIENTS', field: 'client_ids' },
  { header: 'DOMAINS', field: 'domains' },
];

const FIELD_ORDER = [
  'id',
  'kind',
  'display_name',
  'enabled',
  'issuer',
  'client_id',
  'client_secret_set',
  'client_ids',
  'domains',
  'scopes',
  'subject_claim',
  'ldap',
];

/** The flags of create and update; any other field goes through --set or --json-file. */
const PROVIDER_OPTIONS: OptionSpecs = {
  name: { type: 'string', value: 'NAME', description: 'shown as "Continue with NAME"' },
  issuer: { type: 'string', value: 'URL', description: 'oidc: the issuer (discovery)' },
  'client-id': { type: 'string', value: 'ID', description: 'our client id at the upstream' },
  'client-secret-stdin': {
    type: 'boolean',
    description: 'read our client secret at the upstream from standard input',
  },
  'bind-password-stdin': {
    type: 'boolean',
    description: 'ldap: read the service account’s bind password from standard input',
  },
  scope: { type: 'string', value: '"A B"', description: 'scopes asked of the upstream' },
  domain: {
    type: 'string',
    multiple: true,
    value: 'DOMAIN',
    description: 'an e-mail domain routed to this provider (repeatable)',
  },
  client: {
    type: 'string',
    multiple: true,
    value: 'CLIENT_ID',
    description: 'offer the provider to this client only (repeatable; default every client)',
  },
  disabled: { type: 'boolean', description: 'registered but not offered' },
};

const SET_OPTION = {
  type: 'string' as const,
  multiple: true,
  value: 'KEY=VALUE',
  description: 'set one field; VALUE is JSON when it parses, else text',
};

const create: Command = {
  name: 'create',
  summary: 'register an upstream identity provider (OpenID Connect, OAuth 2.0 or LDAP)',
  positionals: ['ID'],
  options: {
    kind: {
      type: 'string',
      value: 'oidc|oauth2|ldap',
      description: 'the protocol (default oidc)',
    },
    ...PROVIDER_OPTIONS,
    set: SET_OPTION,
    ...JSON_FILE_OPTION,
  },
  notes: [
    'The client secret is sealed at rest and never shown again; give it on standard input.',
    'Example:',
    '  latchkey identity-providers create corp --issuer https://login.corp.example \\',
    '    --client-id latchkey --client-secret-stdin --domain corp.example < secret.txt',
    'An OAuth 2.0 provider (GitHub-style) takes its endpoints with --set:',
    '  latchkey identity-providers create github --kind oauth2 --client-id ID \\',
    '    --set authorization_endpoint=https://github.com/login/oauth/authorize \\',
    '    --set token_endpoint=https://github.com/login/oauth/access_token \\',
    '    --set userinfo_endpoint=https://api.github.com/user --set subject_claim=id \\',
    '    --set client_auth_method=client_secret_post --client-secret-stdin < secret.txt',
    'An LDAP directory takes its settings as the ldap object (or with --json-file):',
    '  latchkey identity-providers create corp-ldap --kind ldap --bind-password-stdin \\',
    '    --set \'ldap={"url":"ldaps://ldap.corp.example","bind_dn":"cn=latchkey,dc=corp",\\',
    '    "user_search_base":"ou=people,dc=corp"}\' < bind-password.txt',
  ],
  async run(context, line) {
    const provider = {
      kind: 'oidc',
      ...(await readJsonFileOption(context, line)),
      ...parseAssignments(line.strings('set')),
      ...(await providerFlags(context, line)),
      id: line.positionals[0] as string,
    };
    const kind = line.string('kind');
    if (kind !== undefined) provider.kind = kind;
    const api = await context.api();
    context.output.record(await api.post<IdentityProviderView>(PROVIDERS, provider), FIELD_ORDER);
  },
};

const list: Command = {
  name: 'list',
  summary: 'list identity providers',
  positionals: [],
  options: PAGE_OPTIONS,
  async run(context, line) {
    const api = await context.api();
    const { body, items } = await listPages<IdentityProviderView>(
      context,
      api,
      PROVIDERS,
      line,
      'identity providers',
    );
    context.output.list(body, items, LIST_COLUMNS);
  },
};

const get: Command = {
  name: 'get',
  summary: 'show an identity provider (never its secret)',
  positionals: ['ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    context.output.record(await api.get<IdentityProviderView>(providerPath(line)), FIELD_ORDER);
  },
};

const update: Command = {
  name: 'update',
  summary: 'change an identity provider (JSON merge patch; the id cannot change)',
  positionals: ['ID'],
  options: {
    ...PROVIDER_OPTIONS,
    enabled: { type: 'boolean', description: 'offer it again' },
    set: SET_OPTION,
    ...JSON_FILE_OPTION,
  },
  async run(context, line) {
    const patch = {
      ...(await readJsonFileOption(context, line)),
      ...parseAssignments(line.strings('set')),
      ...(await providerFlags(context, line)),
    };
    if (line.flag('enabled')) patch.enabled = true;
    if (Object.keys(patch).length === 0)
      throw new UsageError('update needs a flag, --set or --json-file');
    const api = await context.api();
    context.output.record(
      await api.patch<IdentityProviderView>(providerPath(line), patch),
      FIELD_ORDER,
    );
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'delete an identity provider (the users it made stay, without a password)',
  positionals: ['ID'],
  options: YES_OPTION,
  async run(context, line) {
    const id = line.positionals[0] as string;
    await confirmDeletion(context, line, `identity provider ${id}`);
    const api = await context.api();
    await api.delete(providerPath(line));
    context.output.done(`Deleted identity provider ${id}.`);
  },
};

export const identityProvidersGroup: CommandGroup = {
  name: 'identity-providers',
  summary: 'manage upstream identity providers users may sign in through',
  commands: [create, list, get, update, remove],
};

async function providerFlags(
  context: CommandContext,
  line: CommandLine,
): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = {};
  const text = (flag: string, field: string) => {
    const value = line.string(flag);
    if (value !== undefined) fields[field] = value;
  };
  text('name', 'display_name');
  text('issuer', 'issuer');
  text('client-id', 'client_id');
  const scope = line.string('scope');
  if (scope !== undefined) fields.scopes = scope.split(' ').filter((s) => s !== '');
  const domains = line.strings('domain');
  if (domains.length > 0) fields.domains = domains;
  const clients = line.strings('client');
  if (clients.length > 0) fields.client_ids = clients;
  if (line.flag('disabled')) fields.enabled = false;
  for (const [flag, field] of [
    ['client-secret-stdin', 'client_secret'],
    ['bind-password-stdin', 'bind_password'],
  ] as const) {
    if (!line.flag(flag)) continue;
    if (field in fields) throw new UsageError('give one secret on standard input');
    const secret = (await context.io.readStdin()).replace(/\r?\n$/, '');
    if (secret === '') throw new UsageError(`--${flag} read an empty secret`);
    fields[field] = secret;
  }
  return fields;
}

function providerPath(line: CommandLine): string {
  return `${PROVIDERS}/${segment(line.positionals[0] as string)}`;
}
