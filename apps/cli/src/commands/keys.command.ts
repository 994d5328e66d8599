import { ApiError, CliError } from '../cli.errors';
import type { Command, CommandGroup } from '../command';

const rotate: Command = {
  name: 'rotate',
  summary:
    'rotate the token signing key (the previous key stays in the JWKS while its tokens live)',
  positionals: [],
  options: {},
  async run(context) {
    const api = await context.api();
    let answer: unknown;
    try {
      answer = await api.post('/admin/keys/rotate');
    } catch (err) {
      // 404/405: the route does not exist on this server version.
      if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
        throw new CliError(
          `${api.issuer} does not support key rotation yet (POST /admin/keys/rotate answered ${err.status})`,
        );
      }
      throw err;
    }
    const rotated = (answer as { rotated?: unknown } | null)?.rotated;
    if (Array.isArray(rotated)) {
      // One row per algorithm: each has its own new key, published now, signing from activates_at.
      context.output.list(answer, rotated as object[], [
        { header: 'ALG', field: 'alg' },
        { header: 'NEW KID', field: 'kid' },
        { header: 'PREVIOUS KID', field: 'previous_kid' },
        { header: 'SIGNS FROM', field: 'activates_at' },
      ]);
    } else if (answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
      context.output.record(answer, ['kid', 'alg', 'previous_kid']);
    } else if (context.output.format === 'json' && answer !== undefined) {
      context.output.json(answer);
    } else {
      context.output.done('Signing key rotated.');
    }
  },
};

export const keysGroup: CommandGroup = {
  name: 'keys',
  summary: 'manage the token signing keys',
  commands: [rotate],
};
