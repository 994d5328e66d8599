import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli.errors';

/** One option of a command, as parsed and as documented in its help. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The option may be given several times; the values are collected in order. */
  multiple?: boolean;
  short?: string;
  /** Placeholder of the value in the help, e.g. `URI`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

type ParsedValue = string | boolean | (string | boolean)[] | undefined;

/**
 * A parsed command line with typed accessors. Anything that does not fit (a missing value, a
 * non-number, a bad key=value) is a UsageError, so every command reports usage mistakes alike.
 */
export class CommandLine {
  constructor(
    private readonly values: Record<string, ParsedValue>,
    readonly positionals: string[],
  ) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new UsageError(`--${name} needs a value`);
    return value;
  }

  strings(name: string): string[] {
    const value = this.values[name];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).map(String);
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  /** A whole number of at least `min`, e.g. seconds or a page size. */
  integer(name: string, min: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) {
      throw new UsageError(`--${name} must be a whole number of at least ${min}, not '${raw}'`);
    }
    return Number(raw);
  }
}

/**
 * node:util parseArgs in strict mode, its errors (unknown option, missing value, stray
 * positional) turned into usage errors without Node's long hints.
 */
export function parseCommandLine(args: string[], specs: OptionSpecs): CommandLine {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return new CommandLine(values as Record<string, ParsedValue>, positionals);
  } catch (err) {
    if (isParseArgsError(err)) throw new UsageError(firstSentence(err.message));
    throw err;
  }
}

function isParseArgsError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end < 0 ? message : message.slice(0, end);
}

/**
 * `--set key=value` of a merge patch. The value is JSON when it parses as JSON (true, 3600,
 * null, ["a"]), otherwise the literal string, so `--set client_name=Billing` needs no quotes.
 */
export function parseAssignments(assignments: string[], flag = 'set'): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    const key = eq < 0 ? '' : assignment.slice(0, eq).trim();
    if (key === '') {
      throw new UsageError(`--${flag} takes key=value, not '${assignment}'`);
    }
    patch[key] = parseValue(assignment.slice(eq + 1));
  }
  return patch;
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
