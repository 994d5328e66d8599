import type { ResourceView } from '@latchkey/contracts';
import { OAuthError, parseScope } from '@latchkey/oauth';
import { UsageError } from '../cli.errors';
import type { Command, CommandGroup } from '../command';
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

const RESOURCES = '/admin/resources';

const LIST_COLUMNS: Column[] = [
  { header: 'IDENTIFIER', field: 'identifier' },
  { header: 'NAME', field: 'name' },
  { header: 'SCOPES', field: 'scopes' },
  { header: 'TOKEN_LIFETIME', field: 'access_token_lifetime' },
];

const FIELD_ORDER = ['identifier', 'name', 'scopes', 'access_token_lifetime'];

const RESOURCE_OPTIONS: OptionSpecs = {
  name: { type: 'string', value: 'NAME', description: 'display name' },
  scope: {
    type: 'string',
    value: '"A B"',
    description: 'space-separated scopes the resource defines',
  },
  lifetime: {
    type: 'string',
    value: 'SECONDS',
    description: 'access_token_lifetime of tokens for this audience',
  },
};

const create: Command = {
  name: 'create',
  summary: 'register an API resource (the aud of its access tokens, RFC 8707)',
  positionals: [],
  options: {
    identifier: {
      type: 'string',
      value: 'URI',
      description: 'absolute URI, e.g. https://api.example.com',
    },
    ...RESOURCE_OPTIONS,
    ...JSON_FILE_OPTION,
  },
  notes: [
    'Example:',
    '  latchkey resources create --identifier https://api.example.com --name "Billing API" \\',
    '    --scope "invoices:read invoices:write" --lifetime 900',
  ],
  async run(context, line) {
    const resource = { ...(await readJsonFileOption(context, line)), ...resourceFlags(line) };
    const identifier = line.string('identifier');
    if (identifier !== undefined) resource.identifier = identifier;
    if (resource.identifier === undefined) throw new UsageError('create needs --identifier URI');
    const api = await context.api();
    const created = await api.post<ResourceView>(RESOURCES, resource);
    context.output.record(created, FIELD_ORDER);
  },
};

const list: Command = {
  name: 'list',
  summary: 'list API resources',
  positionals: [],
  options: PAGE_OPTIONS,
  async run(context, line) {
    const api = await context.api();
    const { body, items } = await listPages<ResourceView>(
      context,
      api,
      RESOURCES,
      line,
      'resources',
    );
    context.output.list(body, items, LIST_COLUMNS);
  },
};

const get: Command = {
  name: 'get',
  summary: 'show an API resource',
  positionals: ['IDENTIFIER'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    context.output.record(await api.get<ResourceView>(resourcePath(line)), FIELD_ORDER);
  },
};

const update: Command = {
  name: 'update',
  summary: 'change an API resource (JSON merge patch; the identifier cannot change)',
  positionals: ['IDENTIFIER'],
  options: {
    ...RESOURCE_OPTIONS,
    set: {
      type: 'string',
      multiple: true,
      value: 'KEY=VALUE',
      description: 'set one field; VALUE is JSON when it parses, else text',
    },
    ...JSON_FILE_OPTION,
  },
  async run(context, line) {
    const patch = {
      ...(await readJsonFileOption(context, line)),
      ...parseAssignments(line.strings('set')),
      ...resourceFlags(line),
    };
    if (Object.keys(patch).length === 0) {
      throw new UsageError('update needs --name, --scope, --lifetime, --set or --json-file');
    }
    const api = await context.api();
    context.output.record(await api.patch<ResourceView>(resourcePath(line), patch), FIELD_ORDER);
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'delete an API resource',
  positionals: ['IDENTIFIER'],
  options: YES_OPTION,
  async run(context, line) {
    const identifier = line.positionals[0] as string;
    await confirmDeletion(context, line, `resource ${identifier}`);
    const api = await context.api();
    await api.delete(resourcePath(line));
    context.output.done(`Deleted resource ${identifier}.`);
  },
};

export const resourcesGroup: CommandGroup = {
  name: 'resources',
  summary: 'manage API resources (resource servers and their scopes)',
  commands: [create, list, get, update, remove],
};

function resourceFlags(line: CommandLine): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const name = line.string('name');
  if (name !== undefined) fields.name = name;
  const scope = line.string('scope');
  if (scope !== undefined) fields.scopes = scopeList(scope);
  const lifetime = line.integer('lifetime', 1);
  if (lifetime !== undefined) fields.access_token_lifetime = lifetime;
  return fields;
}

/** "a b" → ["a", "b"], checked with the same RFC 6749 §3.3 rule the server applies. */
function scopeList(scope: string): string[] {
  try {
    return [...parseScope(scope)];
  } catch (err) {
    if (err instanceof OAuthError) throw new UsageError(`--scope: ${err.description}`);
    throw err;
  }
}

function resourcePath(line: CommandLine): string {
  return `${RESOURCES}/${segment(line.positionals[0] as string)}`;
}
