import type { ClientView } from '@latchkey/contracts';
import { UsageError } from '../cli.errors';
import type { Command, CommandGroup } from '../command';
import { parseAssignments, type CommandLine } from '../command-line';
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

/** A client as the admin API answers it, with the secret right after creation or rotation. */
type ClientAnswer = ClientView & { client_secret?: string };

const CLIENTS = '/admin/clients';

const LIST_COLUMNS: Column[] = [
  { header: 'CLIENT_ID', field: 'client_id' },
  { header: 'NAME', field: 'client_name' },
  { header: 'AUTH_METHOD', field: 'token_endpoint_auth_method' },
  { header: 'GRANT_TYPES', field: 'grant_types' },
  { header: 'SCOPE', field: 'scope' },
  { header: 'DISABLED', field: 'disabled' },
];

const FIELD_ORDER = [
  'client_id',
  'client_name',
  'application_type',
  'token_endpoint_auth_method',
  'grant_types',
  'response_types',
  'redirect_uris',
  'post_logout_redirect_uris',
  'allowed_cors_origins',
  'scope',
  'skip_consent',
  'disabled',
];

const create: Command = {
  name: 'create',
  summary: 'register a client (RFC 7591 metadata); a confidential client gets its secret once',
  positionals: [],
  options: {
    name: { type: 'string', value: 'NAME', description: 'client_name' },
    'redirect-uri': {
      type: 'string',
      multiple: true,
      value: 'URI',
      description: 'redirect_uris entry',
    },
    'cors-origin': {
      type: 'string',
      multiple: true,
      value: 'ORIGIN',
      description: 'allowed_cors_origins entry (scheme://host[:port] of a browser app)',
    },
    'grant-type': {
      type: 'string',
      multiple: true,
      value: 'GRANT',
      description: 'grant_types entry (authorization_code, refresh_token, client_credentials)',
    },
    'auth-method': {
      type: 'string',
      value: 'METHOD',
      description:
        'token_endpoint_auth_method (client_secret_basic, client_secret_post, private_key_jwt, none)',
    },
    scope: {
      type: 'string',
      value: '"A B"',
      description: 'space-separated scopes the client may get',
    },
    'skip-consent': {
      type: 'boolean',
      description: 'first-party client: users are not asked to consent',
    },
    ...JSON_FILE_OPTION,
  },
  notes: [
    'Example:',
    '  latchkey clients create --name Dashboard --redirect-uri https://app.example.com/cb \\',
    '    --grant-type authorization_code --grant-type refresh_token --scope "openid offline_access"',
  ],
  async run(context, line) {
    const metadata = { ...(await readJsonFileOption(context, line)), ...metadataFlags(line) };
    const api = await context.api();
    const client = await api.post<ClientAnswer>(CLIENTS, metadata);
    context.output.record(client, FIELD_ORDER, 'client_secret');
  },
};

const list: Command = {
  name: 'list',
  summary: 'list clients',
  positionals: [],
  options: PAGE_OPTIONS,
  async run(context, line) {
    const api = await context.api();
    const { body, items } = await listPages<ClientView>(context, api, CLIENTS, line, 'clients');
    context.output.list(body, items, LIST_COLUMNS);
  },
};

const get: Command = {
  name: 'get',
  summary: 'show a client',
  positionals: ['CLIENT_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    const client = await api.get<ClientAnswer>(clientPath(line));
    context.output.record(client, FIELD_ORDER);
  },
};

const update: Command = {
  name: 'update',
  summary: 'change a client (JSON merge patch: null resets a field)',
  positionals: ['CLIENT_ID'],
  options: {
    set: {
      type: 'string',
      multiple: true,
      value: 'KEY=VALUE',
      description:
        'set one field; VALUE is JSON when it parses (true, 3600, null, ["a"]), else text',
    },
    ...JSON_FILE_OPTION,
  },
  notes: [
    'Examples:',
    '  latchkey clients update CLIENT_ID --set client_name=Billing --set skip_consent=true',
    '  latchkey clients update CLIENT_ID --set disabled=true',
    '  latchkey clients update CLIENT_ID --set \'redirect_uris=["https://app.example.com/cb"]\'',
  ],
  async run(context, line) {
    if (!line.has('set') && !line.has('json-file')) {
      throw new UsageError('update needs --set KEY=VALUE or --json-file FILE');
    }
    const patch = {
      ...(await readJsonFileOption(context, line)),
      ...parseAssignments(line.strings('set')),
    };
    const api = await context.api();
    const client = await api.patch<ClientAnswer>(clientPath(line), patch);
    // A patch that makes a public client confidential answers its first secret, once.
    context.output.record(client, FIELD_ORDER, 'client_secret');
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'delete a client (its tokens stop working)',
  positionals: ['CLIENT_ID'],
  options: YES_OPTION,
  async run(context, line) {
    const clientId = line.positionals[0] as string;
    await confirmDeletion(context, line, `client ${clientId}`);
    const api = await context.api();
    await api.delete(clientPath(line));
    context.output.done(`Deleted client ${clientId}.`);
  },
};

const rotateSecret: Command = {
  name: 'rotate-secret',
  summary: 'give a confidential client a new secret (shown once)',
  positionals: ['CLIENT_ID'],
  options: {
    'grace-period': {
      type: 'string',
      value: 'SECONDS',
      description: 'how long the old secret keeps working (default 0: it stops at once)',
    },
  },
  async run(context, line) {
    const gracePeriod = line.integer('grace-period', 0);
    const api = await context.api();
    const body = gracePeriod === undefined ? {} : { grace_period_seconds: gracePeriod };
    const client = await api.post<ClientAnswer>(`${clientPath(line)}/secret`, body);
    context.output.record(client, FIELD_ORDER, 'client_secret');
  },
};

export const clientsGroup: CommandGroup = {
  name: 'clients',
  summary: 'manage OAuth clients',
  commands: [create, list, get, update, remove, rotateSecret],
};

/** RFC 7591 field names of the create flags; only the flags given are sent. */
function metadataFlags(line: CommandLine): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  const name = line.string('name');
  if (name !== undefined) metadata.client_name = name;
  if (line.has('redirect-uri')) metadata.redirect_uris = line.strings('redirect-uri');
  if (line.has('cors-origin')) metadata.allowed_cors_origins = line.strings('cors-origin');
  if (line.has('grant-type')) metadata.grant_types = line.strings('grant-type');
  const authMethod = line.string('auth-method');
  if (authMethod !== undefined) metadata.token_endpoint_auth_method = authMethod;
  const scope = line.string('scope');
  if (scope !== undefined) metadata.scope = scope;
  if (line.flag('skip-consent')) metadata.skip_consent = true;
  return metadata;
}

function clientPath(line: CommandLine): string {
  return `${CLIENTS}/${segment(line.positionals[0] as string)}`;
}
