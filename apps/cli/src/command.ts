import type { AdminApiClient } from './admin-api.client';
import type { CliIo } from './cli-io';
import type { CommandLine, OptionSpecs } from './command-line';
import type { CredentialsStore } from './credentials.store';
import type { Output } from './output';

/** What a command runs with. */
export interface CommandContext {
  io: CliIo;
  output: Output;
  store: CredentialsStore;
  /** The admin API with the stored (or environment) credentials; fails when there are none. */
  api(): Promise<AdminApiClient>;
}

/** One runnable command: `latchkey login`, `latchkey clients create`. */
export interface Command {
  name: string;
  summary: string;
  /** Required positional arguments, in order (e.g. `CLIENT_ID`). */
  positionals: string[];
  options: OptionSpecs;
  /** Extra help text after the options (what values mean, examples). */
  notes?: string[];
  run(context: CommandContext, line: CommandLine): Promise<void>;
}

/** A group of commands under one noun: `latchkey clients <command>`. */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Command[];
}

export type TopLevelEntry = Command | CommandGroup;

export function isGroup(entry: TopLevelEntry): entry is CommandGroup {
  return 'commands' in entry;
}
