import * as fs from 'node:fs';
import type { AdminApiClient } from '../admin-api.client';
import { CliError, UsageError } from '../cli.errors';
import type { CommandContext } from '../command';
import type { CommandLine, OptionSpecs } from '../command-line';

/** A page of an admin list (docs/architecture.md §4). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const PAGE_OPTIONS: OptionSpecs = {
  limit: { type: 'string', value: 'N', description: 'page size (the server caps it)' },
  cursor: { type: 'string', value: 'CURSOR', description: 'next_cursor of the previous page' },
  all: { type: 'boolean', description: 'follow next_cursor until the last page' },
};

export const JSON_FILE_OPTION: OptionSpecs = {
  'json-file': {
    type: 'string',
    value: 'FILE',
    description: 'JSON object to start from (- reads standard input); flags override its keys',
  },
};

/**
 * One page, or with --all every page (the answer is then `{items: [all], next_cursor: null}`).
 * Table mode says when there are more pages.
 */
export async function listPages<T>(
  { output }: CommandContext,
  api: AdminApiClient,
  path: string,
  line: CommandLine,
  noun: string,
): Promise<{ body: Page<T>; items: T[] }> {
  const limit = line.integer('limit', 1);
  let cursor = line.string('cursor');
  if (!line.flag('all')) {
    const page = readPage<T>(await api.get(path, { limit, cursor }), path);
    if (page.next_cursor !== null && output.format === 'table') {
      output.note(`More ${noun}: add --cursor ${page.next_cursor} (or --all).`);
    }
    return { body: page, items: page.items };
  }
  const items: T[] = [];
  const seen = new Set<string>();
  for (;;) {
    const page = readPage<T>(await api.get(path, { limit, cursor }), path);
    items.push(...page.items);
    if (page.next_cursor === null) break;
    // A server that hands back a cursor it already gave would make --all loop forever.
    if (seen.has(page.next_cursor)) {
      throw new CliError(`GET ${path} repeated next_cursor ${page.next_cursor}; stopping`);
    }
    seen.add(page.next_cursor);
    cursor = page.next_cursor;
  }
  return { body: { items, next_cursor: null }, items };
}

function readPage<T>(value: unknown, path: string): Page<T> {
  const page = value as Partial<Page<T>> | null | undefined;
  const valid =
    Array.isArray(page?.items) &&
    (page.next_cursor === null ||
      page.next_cursor === undefined ||
      typeof page.next_cursor === 'string');
  if (!valid) throw new CliError(`GET ${path} did not answer {items, next_cursor}`);
  return { items: page.items as T[], next_cursor: page.next_cursor || null };
}

/** The JSON object of --json-file, or {} without it. */
export async function readJsonFileOption(
  { io }: CommandContext,
  line: CommandLine,
): Promise<Record<string, unknown>> {
  const file = line.string('json-file');
  if (file === undefined) return {};
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --json-file ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--json-file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--json-file ${file} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Deleting cannot be undone: without --yes, ask on a terminal; with no terminal to ask on,
 * refuse rather than guess.
 */
export async function confirmDeletion(
  { io }: CommandContext,
  line: CommandLine,
  what: string,
): Promise<void> {
  if (line.flag('yes')) return;
  if (!io.stdinIsTTY) {
    throw new UsageError(`refusing to delete ${what} without --yes (no terminal to confirm on)`);
  }
  if (!(await io.confirm(`Delete ${what}? This cannot be undone. [y/N] `))) {
    throw new CliError(`${what} was not deleted`);
  }
}

export const YES_OPTION: OptionSpecs = {
  yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' },
};

/** Path segment of an id or a resource URI (docs/architecture.md §4: identifiers are URL-encoded in paths). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
