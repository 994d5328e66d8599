import type { CliIo } from './cli-io';
import { UsageError } from './cli.errors';

export type OutputFormat = 'table' | 'json';

/** One column of a list: the header and how to read the cell from an item. */
export interface Column {
  header: string;
  field: string;
}

/** A table on a terminal (people read it), the server's JSON otherwise (scripts parse it). */
export function chooseOutputFormat(requested: string | undefined, io: CliIo): OutputFormat {
  if (requested === undefined) return io.stdout.isTTY ? 'table' : 'json';
  if (requested === 'table' || requested === 'json') return requested;
  throw new UsageError(`--output must be table or json, not '${requested}'`);
}

/**
 * Renders results. JSON mode prints the server's JSON unchanged (pretty-printed); table mode
 * prints aligned columns of the fields that matter. Messages meant for a person (notes,
 * warnings) go to stderr so they never mix with the JSON a script reads.
 */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly format: OutputFormat,
  ) {}

  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A list: JSON as it came, or one row per item. */
  list(body: unknown, items: object[], columns: Column[]): void {
    if (this.format === 'json') return this.json(body);
    if (items.length === 0) {
      this.io.stdout.write('(none)\n');
      return;
    }
    const rows = [
      columns.map((c) => c.header),
      ...items.map((item) => columns.map((c) => cell((item as Record<string, unknown>)[c.field]))),
    ];
    this.io.stdout.write(alignRows(rows));
  }

  /**
   * One object: JSON as it came, or one `field  value` line per field, the fields in `order`
   * first. `secretField` (a one-time secret) is printed last, set apart, with a warning.
   */
  record(answer: object, order: string[], secretField?: string): void {
    const body = answer as Record<string, unknown>;
    const secret = secretField ? body[secretField] : undefined;
    if (this.format === 'json') {
      this.json(body);
    } else {
      const fields = [
        ...order.filter((f) => f in body),
        ...Object.keys(body).filter((f) => !order.includes(f)),
      ].filter((f) => f !== secretField);
      const rows = fields.map((f) => [f, cell(body[f])]);
      if (typeof secret === 'string') rows.push(['', ''], [secretField as string, clean(secret)]);
      this.io.stdout.write(alignRows(rows));
    }
    if (typeof secret === 'string') {
      this.warn(
        `the ${secretField} above is shown only this once; store it securely now, it cannot be retrieved again`,
      );
    }
  }

  /** A confirmation for a person (e.g. "deleted"); JSON mode stays silent, the exit code tells. */
  done(message: string): void {
    if (this.format === 'table') this.io.stdout.write(`${message}\n`);
  }

  note(message: string): void {
    this.io.stderr.write(`${clean(message)}\n`);
  }

  warn(message: string): void {
    this.io.stderr.write(`Warning: ${clean(message)}\n`);
  }
}

/** One table cell: lists joined, objects as compact JSON, absent as `-`. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : clean(value.map(String).join(', '));
  if (typeof value === 'object') return clean(JSON.stringify(value));
  return clean(String(value));
}

/**
 * Server data (a client name, an error description) must not drive the terminal: control
 * characters, escape sequences included, are shown as `?`.
 */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function alignRows(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((value, i) => (widths[i] = Math.max(widths[i] ?? 0, value.length)));
  }
  return rows
    .map((row) =>
      row
        .map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
