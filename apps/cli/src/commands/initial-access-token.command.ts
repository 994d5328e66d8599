import type { CreateInitialAccessTokenResponse } from '@latchkey/contracts';
import type { Command, CommandGroup } from '../command';

const create: Command = {
  name: 'create',
  summary: 'issue an initial access token for dynamic client registration (RFC 7591 §3)',
  positionals: [],
  options: {
    'expires-in': {
      type: 'string',
      value: 'SECONDS',
      description: 'lifetime (server default: one day)',
    },
    'max-uses': {
      type: 'string',
      value: 'N',
      description: 'how many clients it may register (server default: 1)',
    },
    scope: {
      type: 'string',
      value: 'SCOPES',
      description: 'scopes its clients may hold (server default: the OpenID Connect scopes only)',
    },
    'grant-type': {
      type: 'string',
      multiple: true,
      value: 'GRANT',
      description:
        'a grant type its clients may use (server default: authorization_code, refresh_token)',
    },
    'default-resource': {
      type: 'string',
      value: 'URI',
      description: 'the default_resource its clients may name (server default: none)',
    },
  },
  notes: [
    'Send the token as `Authorization: Bearer <token>` to the registration endpoint.',
    'A registration asking for more than the token allows is refused (invalid_client_metadata).',
  ],
  async run(context, line) {
    const expiresIn = line.integer('expires-in', 1);
    const maxUses = line.integer('max-uses', 1);
    const scope = line.string('scope');
    const defaultResource = line.string('default-resource');
    const api = await context.api();
    const token = await api.post<CreateInitialAccessTokenResponse>('/admin/initial-access-tokens', {
      ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
      ...(maxUses === undefined ? {} : { max_uses: maxUses }),
      ...(scope === undefined ? {} : { scope }),
      ...(line.has('grant-type') ? { grant_types: line.strings('grant-type') } : {}),
      ...(defaultResource === undefined ? {} : { default_resource: defaultResource }),
    });
    context.output.record(token, ['expires_at', 'max_uses'], 'initial_access_token');
  },
};

export const initialAccessTokenGroup: CommandGroup = {
  name: 'initial-access-token',
  summary: 'issue tokens that allow dynamic client registration',
  commands: [create],
};
