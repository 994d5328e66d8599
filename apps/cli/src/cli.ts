import { openAdminApi } from './admin-session';
import type { CliIo } from './cli-io';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli.errors';
import { isGroup, type Command, type TopLevelEntry } from './command';
import { parseCommandLine } from './command-line';
import { auditGroup } from './commands/audit.command';
import { clientsGroup } from './commands/clients.command';
import { identityProvidersGroup } from './commands/identity-providers.command';
import { initialAccessTokenGroup } from './commands/initial-access-token.command';
import { keysGroup } from './commands/keys.command';
import { loginCommand, logoutCommand } from './commands/login.command';
import { resourcesGroup } from './commands/resources.command';
import { groupsGroup, rolesGroup } from './commands/user-accounts.command';
import { grantsGroup, usersGroup } from './commands/users.command';
import { credentialsPath, CredentialsStore } from './credentials.store';
import { chooseOutputFormat, clean, Output } from './output';
import {
  commandUsage,
  COMMON_OPTIONS,
  groupUsage,
  rootUsage,
  shortCommandUsage,
  shortRootUsage,
} from './usage';

export const COMMANDS: TopLevelEntry[] = [
  loginCommand,
  logoutCommand,
  clientsGroup,
  resourcesGroup,
  identityProvidersGroup,
  initialAccessTokenGroup,
  keysGroup,
  usersGroup,
  rolesGroup,
  groupsGroup,
  grantsGroup,
  auditGroup,
];

/**
 * Runs one command line (argv without `node latchkey`) and answers the exit code: 0 done,
 * 1 failed (message on stderr), 2 the command line was wrong (message and usage on stderr).
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    await dispatch(argv, io);
    return EXIT_OK;
  } catch (err) {
    return report(err, io);
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<void> {
  const { output, help, rest } = readLeadingOptions(argv);
  const [name, ...args] = rest;
  if (help) return printHelp(io, name);
  if (name === 'help') return printHelp(io, args[0]);
  if (name === undefined) throw new UsageError('no command given', shortRootUsage(COMMANDS));
  const entry = findEntry(name);
  if (!isGroup(entry)) return runCommand(entry.name, entry, args, io, output);
  const [sub, ...subArgs] = args;
  if (sub === '--help' || sub === '-h' || sub === 'help') return print(io, groupUsage(entry));
  if (sub === undefined) throw new UsageError(`${entry.name} needs a command`, groupUsage(entry));
  const command = entry.commands.find((c) => c.name === sub);
  if (!command) {
    throw new UsageError(`unknown command '${entry.name} ${sub}'`, groupUsage(entry));
  }
  return runCommand(`${entry.name} ${command.name}`, command, subArgs, io, output);
}

async function runCommand(
  path: string,
  command: Command,
  args: string[],
  io: CliIo,
  leadingOutput: string | undefined,
): Promise<void> {
  try {
    const line = parseCommandLine(args, { ...command.options, ...COMMON_OPTIONS });
    if (line.flag('help')) return print(io, commandUsage(path, command));
    checkPositionals(command, line.positionals);
    const output = new Output(io, chooseOutputFormat(line.string('output') ?? leadingOutput, io));
    const store = new CredentialsStore(credentialsPath(io.env));
    await command.run(
      { io, output, store, api: async () => openAdminApi(io, store, output) },
      line,
    );
  } catch (err) {
    if (err instanceof UsageError && err.usage === undefined) {
      err.usage = shortCommandUsage(path, command);
    }
    throw err;
  }
}

function checkPositionals(command: Command, positionals: string[]): void {
  const missing = command.positionals.slice(positionals.length);
  if (missing.length > 0) throw new UsageError(`missing ${missing.join(' ')}`);
  const extra = positionals.slice(command.positionals.length);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
}

/** Options before the command: `latchkey --output json clients list`, `latchkey --help`. */
function readLeadingOptions(argv: string[]): {
  output?: string;
  help: boolean;
  rest: string[];
} {
  let output: string | undefined;
  let help = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) break;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-o' || arg === '--output') {
      output = argv[++i];
      if (output === undefined)
        throw new UsageError(`${arg} needs a value`, shortRootUsage(COMMANDS));
    } else if (arg.startsWith('--output=')) output = arg.slice('--output='.length);
    else throw new UsageError(`unknown option '${arg}'`, shortRootUsage(COMMANDS));
  }
  return { output, help, rest: argv.slice(i) };
}

function findEntry(name: string): TopLevelEntry {
  const entry = COMMANDS.find((e) => e.name === name);
  if (!entry) throw new UsageError(`unknown command '${name}'`, shortRootUsage(COMMANDS));
  return entry;
}

function printHelp(io: CliIo, topic: string | undefined): void {
  if (topic === undefined) return print(io, rootUsage(COMMANDS));
  const entry = findEntry(topic);
  print(io, isGroup(entry) ? groupUsage(entry) : commandUsage(entry.name, entry));
}

function print(io: CliIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

function report(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr.write(`latchkey: ${clean(err.message)}\n${err.usage ? `${err.usage}\n` : ''}`);
    return EXIT_USAGE;
  }
  if (err instanceof CliError) {
    io.stderr.write(`latchkey: ${clean(err.message)}\n`);
    return EXIT_FAILURE;
  }
  // A bug, not a server answer: say so on one line; LATCHKEY_DEBUG=1 shows the stack.
  const detail =
    err instanceof Error ? (io.env.LATCHKEY_DEBUG ? err.stack : err.message) : String(err);
  io.stderr.write(`latchkey: unexpected error: ${detail}\n`);
  return EXIT_FAILURE;
}
