/** Exit codes: 0 success, 1 a failure (server, network, state), 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line was wrong: exit 2 with the usage of the command that was being parsed. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Usage text to print after the message; the dispatcher fills it in when absent. */
    public usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure to report on one line and exit 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The server answered an error (RFC 6749 §5.2 JSON: `error`, `error_description`). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string | undefined,
    readonly request: string,
  ) {
    super(`${error}${description ? `: ${description}` : ''} (HTTP ${status} from ${request})`);
    this.name = 'ApiError';
  }
}
