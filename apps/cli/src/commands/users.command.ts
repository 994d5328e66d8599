import type { GrantView } from '@latchkey/contracts';
import { CliError, UsageError } from '../cli.errors';
import type { Command, CommandContext, CommandGroup } from '../command';
import type { CommandLine } from '../command-line';
import type { Column } from '../output';
import { segment, YES_OPTION } from './command-helpers';
import { userAccountCommands } from './user-accounts.command';

/** An SSO session as GET /admin/users/:id/sessions lists it. */
interface SessionItem {
  sid: string;
  auth_time: string;
  amr: string[];
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

const GRANT_COLUMNS: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'CLIENT_ID', field: 'client_id' },
  { header: 'SCOPE', field: 'scope' },
  { header: 'CREATED_AT', field: 'created_at' },
  { header: 'REVOKED_AT', field: 'revoked_at' },
];

const SESSION_COLUMNS: Column[] = [
  { header: 'SID', field: 'sid' },
  { header: 'SIGNED_IN_AT', field: 'auth_time' },
  { header: 'LAST_SEEN_AT', field: 'last_seen_at' },
  { header: 'EXPIRES_AT', field: 'expires_at' },
];

const grants: Command = {
  name: 'grants',
  summary: "list a user's grants (one per client they authorized)",
  positionals: ['USER_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    const body = await api.get<{ items: GrantView[] }>(`${userPath(line)}/grants`);
    context.output.list(body, itemsOf(body, 'grants'), GRANT_COLUMNS);
  },
};

const revokeGrants: Command = {
  name: 'revoke-grants',
  summary: "revoke all of a user's grants (their refresh tokens stop working)",
  positionals: ['USER_ID'],
  options: YES_OPTION,
  async run(context, line) {
    const id = line.positionals[0] as string;
    await confirmAction(context, line, `Revoke every grant of user ${id}?`, 'nothing was revoked');
    const api = await context.api();
    const answer = await api.delete<{ revoked?: unknown }>(`${userPath(line)}/grants`);
    if (context.output.format === 'json') return context.output.json(answer);
    context.output.done(`Revoked ${count(answer?.revoked)} grant(s) of user ${id}.`);
  },
};

const sessions: Command = {
  name: 'sessions',
  summary: "list a user's active SSO sessions",
  positionals: ['USER_ID'],
  options: {},
  async run(context, line) {
    const api = await context.api();
    const body = await api.get<{ items: SessionItem[] }>(`${userPath(line)}/sessions`);
    context.output.list(body, itemsOf(body, 'sessions'), SESSION_COLUMNS);
  },
};

const endSessions: Command = {
  name: 'end-sessions',
  summary: "end all of a user's SSO sessions (signed out everywhere; clients are told)",
  positionals: ['USER_ID'],
  options: YES_OPTION,
  async run(context, line) {
    const id = line.positionals[0] as string;
    await confirmAction(context, line, `End every session of user ${id}?`, 'no session was ended');
    const api = await context.api();
    const answer = await api.delete<{ ended?: unknown }>(`${userPath(line)}/sessions`);
    if (context.output.format === 'json') return context.output.json(answer);
    context.output.done(`Ended ${count(answer?.ended)} session(s) of user ${id}.`);
  },
};

export const usersGroup: CommandGroup = {
  name: 'users',
  summary: 'manage users, their grants and SSO sessions',
  commands: [...userAccountCommands, grants, revokeGrants, sessions, endSessions],
};

const revoke: Command = {
  name: 'revoke',
  summary: 'revoke one grant (its refresh tokens stop working)',
  positionals: ['GRANT_ID'],
  options: YES_OPTION,
  async run(context, line) {
    const id = line.positionals[0] as string;
    await confirmAction(context, line, `Revoke grant ${id}?`, 'the grant was not revoked');
    const api = await context.api();
    await api.delete(`/admin/grants/${segment(id)}`);
    context.output.done(`Revoked grant ${id}.`);
  },
};

export const grantsGroup: CommandGroup = {
  name: 'grants',
  summary: 'revoke grants by id (see users grants)',
  commands: [revoke],
};

function userPath(line: CommandLine): string {
  return `/admin/users/${segment(line.positionals[0] as string)}`;
}

function itemsOf<T extends object>(body: { items?: T[] } | undefined, noun: string): T[] {
  if (!Array.isArray(body?.items)) throw new CliError(`the ${noun} answer has no items list`);
  return body.items;
}

function count(value: unknown): string {
  return typeof value === 'number' ? String(value) : '?';
}

/**
 * Revoking or ending cannot be undone: without --yes, ask on a terminal; with no terminal to ask
 * on, refuse rather than guess (as deletions do).
 */
async function confirmAction(
  { io }: CommandContext,
  line: CommandLine,
  question: string,
  declined: string,
): Promise<void> {
  if (line.flag('yes')) return;
  if (!io.stdinIsTTY) {
    throw new UsageError(`refusing without --yes (no terminal to confirm on): ${question}`);
  }
  if (!(await io.confirm(`${question} This cannot be undone. [y/N] `))) {
    throw new CliError(declined);
  }
}
