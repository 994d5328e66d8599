import { isGroup, type Command, type CommandGroup, type TopLevelEntry } from './command';
import type { OptionSpecs } from './command-line';

/** Options every command takes. */
export const COMMON_OPTIONS: OptionSpecs = {
  output: {
    type: 'string',
    short: 'o',
    value: 'table|json',
    description: 'output format (default: table on a terminal, json otherwise)',
  },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

const ENVIRONMENT = [
  'Environment:',
  '  LATCHKEY_ISSUER, LATCHKEY_CLIENT_ID, LATCHKEY_CLIENT_SECRET',
  '      admin client for `login`; when all three are set, every command uses them instead',
  '      of the stored credentials',
  '  LATCHKEY_ADMIN_URL   the admin plane, when the server serves it apart from the issuer',
  '                    (ADMIN_PORT); tokens still come from the issuer',
  '  XDG_CONFIG_HOME   credentials are stored in $XDG_CONFIG_HOME/latchkey/credentials.json',
  '                    (default ~/.config/latchkey/credentials.json)',
];

export function rootUsage(entries: TopLevelEntry[]): string {
  const rows = entries.map((entry): [string, string] =>
    isGroup(entry)
      ? [`${entry.name} <command>`, `${entry.summary}: ${commandNames(entry)}`]
      : [entry.name, entry.summary],
  );
  return [
    'Usage: latchkey [--output table|json] <command> [arguments]',
    '',
    'Manage a Latchkey server through its admin API.',
    '',
    'Commands:',
    ...columns(rows),
    '',
    'Run `latchkey <command> --help` for the arguments of a command.',
    '',
    ...ENVIRONMENT,
    '',
    'Exit status: 0 on success, 1 when the request failed, 2 when the command line was wrong.',
  ].join('\n');
}

export function groupUsage(group: CommandGroup): string {
  return [
    `Usage: latchkey ${group.name} <command> [arguments]`,
    '',
    `${capitalize(group.summary)}.`,
    '',
    'Commands:',
    ...columns(group.commands.map((c): [string, string] => [synopsis(c), c.summary])),
    '',
    `Run \`latchkey ${group.name} <command> --help\` for the options of a command.`,
  ].join('\n');
}

export function commandUsage(path: string, command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([name, spec]): [string, string] => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [flag, `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`];
  });
  return [
    `Usage: latchkey ${path}${positionalsOf(command)} [options]`,
    '',
    `${capitalize(command.summary)}.`,
    '',
    'Options:',
    ...columns(rows),
    ...(command.notes ? ['', ...command.notes] : []),
  ].join('\n');
}

function synopsis(command: Command): string {
  return `${command.name}${positionalsOf(command)}`;
}

function positionalsOf(command: Command): string {
  return command.positionals.map((p) => ` ${p}`).join('');
}

function commandNames(group: CommandGroup): string {
  return group.commands.map((c) => c.name).join(', ');
}

function columns(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What a usage error prints: the synopsis and where the full help is. */
export function shortRootUsage(entries: TopLevelEntry[]): string {
  return [
    'Usage: latchkey [--output table|json] <command> [arguments]',
    `Commands: ${entries.map((e) => e.name).join(', ')}`,
    'Run `latchkey --help` for more.',
  ].join('\n');
}

export function shortCommandUsage(path: string, command: Command): string {
  return [
    `Usage: latchkey ${path}${positionalsOf(command)} [options]`,
    `Run \`latchkey ${path} --help\` for the options.`,
  ].join('\n');
}
