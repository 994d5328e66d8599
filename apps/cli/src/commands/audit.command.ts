import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
// Types only: the audit commands load these modules when they run, so the other commands do not
// pay for jose and the SSE parser at start.
import type { ExportVerifyReport } from '@latchkey/audit-chain';
import type {
  AuditChainRecord,
  AuditCheckpoint,
  AuditKeysResponse,
  StoredAuditEvent,
} from '@latchkey/contracts';
import type { AdminApiClient } from '../admin-api.client';
import { ApiError, CliError, UsageError } from '../cli.errors';
import type { Command, CommandContext, CommandGroup } from '../command';
import type { CommandLine, OptionSpecs } from '../command-line';
import { cell, type Column } from '../output';
import { listPages, PAGE_OPTIONS, type Page } from './command-helpers';

const EVENT_COLUMNS: Column[] = [
  { header: 'SEQ', field: 'seq' },
  { header: 'TIME', field: 'time' },
  { header: 'TYPE', field: 'type' },
  { header: 'SUBJECT', field: 'subject' },
  { header: 'CLIENT_ID', field: 'client_id' },
  { header: 'SUB', field: 'sub' },
];

/** The filters both query and tail take, by flag and by the admin API's parameter name. */
const FILTERS = { type: 'type', subject: 'subject', 'client-id': 'client_id' } as const;

const FILTER_OPTIONS: OptionSpecs = {
  type: {
    type: 'string',
    value: 'TYPE',
    description: 'only events of this type, e.g. token.issued',
  },
  subject: { type: 'string', value: 'SUBJECT', description: 'only events about this subject' },
  'client-id': { type: 'string', value: 'CLIENT_ID', description: 'only events of this client' },
};

/** Pages asked while exporting: the largest the admin API gives. */
const EXPORT_PAGE = 1000;
/** Before reconnecting a tail that ended without the server saying how long to wait. */
const DEFAULT_RECONNECT_MS = 2000;

const query: Command = {
  name: 'query',
  summary: 'list stored audit events, newest first',
  positionals: [],
  options: {
    ...FILTER_OPTIONS,
    sub: { type: 'string', value: 'SUB', description: 'only events of this end-user' },
    since: { type: 'string', value: 'TIME', description: 'RFC 3339: events at or after it' },
    until: { type: 'string', value: 'TIME', description: 'RFC 3339: events before it' },
    ...PAGE_OPTIONS,
  },
  async run(context, line) {
    const api = await context.api();
    const params = new URLSearchParams(filtersOf(line));
    for (const name of ['sub', 'since', 'until'] as const) {
      const value = line.string(name);
      if (value !== undefined) params.set(name, value);
    }
    const search = params.toString();
    const { body, items } = await listPages<StoredAuditEvent>(
      context,
      api,
      `/admin/audit${search ? `?${search}` : ''}`,
      line,
      'events',
    );
    context.output.list(body, items.map(eventRow), EVENT_COLUMNS);
  },
};

const exportCommand: Command = {
  name: 'export',
  summary: 'write the whole chain and its signed checkpoints as JSON Lines (for audit verify)',
  positionals: [],
  options: {
    file: { type: 'string', value: 'FILE', description: 'write here instead of standard output' },
  },
  notes: [
    'The first line names the installation and the checkpoint and event keys it published; then',
    'come the checkpoints, then every stored event oldest first with seq, prev_hash and hash.',
  ],
  async run(context, line) {
    const { exportCheckpointLine, exportEventLine, exportHeader } =
      await import('@latchkey/audit-chain');
    const api = await context.api();
    const file = line.string('file');
    const out = file === undefined ? undefined : fs.createWriteStream(file, { flags: 'wx' });
    const write = (text: string) =>
      out ? writeLine(out, text) : Promise.resolve(void context.io.stdout.write(`${text}\n`));
    try {
      const keys = await api.get<AuditKeysResponse>('/admin/audit/keys');
      await write(exportHeader(api.issuer, keys, new Date(context.io.now())));
      // Checkpoints first: every one names a row already stored, so the events read afterwards
      // reach past all of them.
      let checkpoints = 0;
      for await (const checkpoint of allPages<AuditCheckpoint>(api, '/admin/audit/checkpoints')) {
        await write(exportCheckpointLine(checkpoint));
        checkpoints += 1;
      }
      let events = 0;
      for await (const record of allPages<AuditChainRecord>(api, '/admin/audit/export')) {
        await write(exportEventLine(record));
        events += 1;
      }
      if (out)
        await new Promise<void>((resolve, reject) =>
          out.end((err?: Error | null) => (err ? reject(err) : resolve())),
        );
      context.output.note(`Exported ${events} event(s) and ${checkpoints} checkpoint(s).`);
    } catch (err) {
      out?.destroy();
      throw err;
    }
  },
};

const verify: Command = {
  name: 'verify',
  summary:
    'verify an export offline: chain links and hashes, event signatures, checkpoint signatures and matches',
  positionals: ['FILE'],
  options: {
    keys: {
      type: 'string',
      value: 'FILE',
      description:
        'the checkpoint and event keys to trust (from audit keys, kept apart from the log)',
    },
  },
  notes: [
    'Without --keys the keys named in the file itself are used: that proves the file is',
    'consistent, not that the installation signed it. Exits 1 when anything does not verify.',
  ],
  async run(context, line) {
    const { verifyAuditExport } = await import('@latchkey/audit-chain');
    const file = line.positionals[0] as string;
    const trustedKeys = readKeysFile(line.string('keys'));
    const input = openFile(file);
    const report = await verifyAuditExport(
      readline.createInterface({ input, crlfDelay: Infinity }),
      { trustedKeys },
    );
    printReport(context, report);
    if (!report.valid) throw new CliError(`${file} does not verify`);
  },
};

const tail: Command = {
  name: 'tail',
  summary: 'follow audit events live as they are stored (reconnects without gaps)',
  positionals: [],
  options: {
    ...FILTER_OPTIONS,
    'after-seq': {
      type: 'string',
      value: 'SEQ',
      description: 'start after this seq (default: only events stored from now on)',
    },
    count: { type: 'string', value: 'N', description: 'stop after N events' },
  },
  notes: ['JSON output is one event per line (JSON Lines).'],
  async run(context, line) {
    const { createParser } = await import('eventsource-parser');
    const api = await context.api();
    const filters = filtersOf(line);
    const count = line.integer('count', 1);
    let lastSeq = line.integer('after-seq', 0);
    let received = 0;
    const done = new AbortController();
    if (context.output.format === 'table') {
      context.io.stdout.write(`${EVENT_COLUMNS.map((c) => c.header).join('  ')}\n`);
    }
    while (!done.signal.aborted) {
      let retryMs = DEFAULT_RECONNECT_MS;
      try {
        const headers: Record<string, string> =
          lastSeq === undefined ? {} : { 'Last-Event-ID': String(lastSeq) };
        const response = await api.stream('/admin/audit/stream', filters, headers, done.signal);
        const parser = createParser({
          onRetry: (ms) => (retryMs = ms),
          onEvent: (message) => {
            if (done.signal.aborted) return;
            const event = JSON.parse(message.data) as StoredAuditEvent;
            lastSeq = event.seq;
            printEvent(context, event);
            received += 1;
            if (count !== undefined && received >= count) done.abort();
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          if (done.signal.aborted) break;
        }
      } catch (err) {
        if (done.signal.aborted) break;
        // A refusal (bad filter, no admin scope) will not change by retrying.
        if (err instanceof ApiError && err.status < 500 && err.status !== 429) throw err;
        context.output.warn(`${(err as Error).message}; reconnecting`);
      }
      if (!done.signal.aborted) await sleep(retryMs);
    }
  },
};

export const auditGroup: CommandGroup = {
  name: 'audit',
  summary: 'query, follow, export and verify the audit log',
  commands: [
    query,
    tail,
    exportCommand,
    verify,
    {
      name: 'keys',
      summary: 'print the JWKS that verifies audit checkpoints (keep a copy for audit verify)',
      positionals: [],
      options: {},
      async run(context) {
        const api = await context.api();
        context.output.json(await api.get('/admin/audit/keys'));
      },
    },
  ],
};

function filtersOf(line: CommandLine): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const [flag, param] of Object.entries(FILTERS)) {
    const value = line.string(flag);
    if (value !== undefined) filters[param] = value;
  }
  return filters;
}

/** The columns of a table row: the actors come from `data`. */
function eventRow(event: StoredAuditEvent): Record<string, unknown> {
  return { ...event, client_id: event.data?.client_id, sub: event.data?.sub };
}

function printEvent(context: CommandContext, event: StoredAuditEvent): void {
  if (context.output.format === 'json') {
    context.io.stdout.write(`${JSON.stringify(event)}\n`);
    return;
  }
  const row = eventRow(event);
  context.io.stdout.write(`${EVENT_COLUMNS.map((c) => cell(row[c.field])).join('  ')}\n`);
}

async function* allPages<T>(api: AdminApiClient, path: string): AsyncGenerator<T> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await api.get<Page<T>>(path, { limit: EXPORT_PAGE, cursor });
    if (!Array.isArray(page?.items)) throw new CliError(`GET ${path} did not answer {items}`);
    yield* page.items;
    if (!page.next_cursor) return;
    if (seen.has(page.next_cursor)) {
      throw new CliError(`GET ${path} repeated next_cursor ${page.next_cursor}; stopping`);
    }
    seen.add(page.next_cursor);
    cursor = page.next_cursor;
  }
}

function writeLine(out: fs.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(`${text}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

function openFile(file: string): fs.ReadStream {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return fs.createReadStream(file, 'utf8');
}

function readKeysFile(file: string | undefined): AuditKeysResponse | undefined {
  if (file === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--keys ${file} is not a readable JSON file: ${(err as Error).message}`);
  }
  const { keys, event_keys } = (value ?? {}) as { keys?: unknown; event_keys?: unknown };
  if (!Array.isArray(keys) || (event_keys !== undefined && !Array.isArray(event_keys))) {
    throw new UsageError(`--keys ${file} must hold a JWKS ({"keys": [...], "event_keys": [...]})`);
  }
  return value as AuditKeysResponse;
}

function printReport(context: CommandContext, report: ExportVerifyReport): void {
  if (context.output.format === 'json') return context.output.json(report);
  const lines = [
    `${report.valid ? 'VALID' : 'INVALID'}: ${report.events} event(s), last seq ${report.last_seq ?? '-'}`,
    `checkpoints: ${report.checkpoints_verified} of ${report.checkpoints} verified (keys from ${report.keys_from === 'trusted' ? '--keys' : 'the file itself'})`,
    `event signatures: ${report.event_signatures_checked} checked`,
    ...report.problems.map(
      (p) =>
        `line ${p.line}${p.seq !== undefined ? ` (seq ${p.seq})` : ''}: ${p.reason}: ${p.detail}`,
    ),
  ];
  context.io.stdout.write(lines.map((l) => `${cell(l)}\n`).join(''));
}
