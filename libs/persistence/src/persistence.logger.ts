import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * The slice of Nest's `LoggerService` this library needs. A Nest `Logger` (or the platform's) fits
 * as is; the core files take this interface rather than importing `@nestjs/common`, so that they
 * stay usable (and testable) outside a Nest application.
 */
export interface PersistenceLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** Fallback when no logger is injected: one line per message on stderr/stdout, no debug. */
export function consoleLogger(context: string): PersistenceLogger {
  const line = (message: string) => `[${context}] ${message}\n`;
  return {
    log: (message) => void process.stdout.write(line(message)),
    warn: (message) => console.warn(line(message).trimEnd()),
    error: (message) => console.error(line(message).trimEnd()),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: PersistenceLogger = { log: () => {}, warn: () => {}, error: () => {} };

/** SQLSTATE class 23: integrity constraint violations are expected business outcomes (409s). */
const isConstraintViolation = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { code?: unknown }).code === 'string' &&
  (error as { code: string }).code.startsWith('23');

/**
 * Routes TypeORM's log calls to a {@link PersistenceLogger}. Query parameters are never written:
 * they can carry token hashes, e-mail addresses and other personal data.
 */
export class TypeOrmLoggerAdapter implements TypeOrmLogger {
  constructor(
    private readonly logger: PersistenceLogger,
    private readonly onQueryError?: () => void,
  ) {}

  logQuery(): void {
    // Per-query logging is too chatty for any environment we run; enable a real TypeORM logger locally.
  }

  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' ? (error as { code?: string }).code : undefined;
    const message = `query failed${code ? ` [${code}]` : ''}: ${typeof error === 'string' ? error : error.message} -- ${oneLine(query)}`;
    if (isConstraintViolation(error)) {
      this.logger.debug?.(message);
    } else {
      this.onQueryError?.();
      this.logger.warn(message);
    }
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${oneLine(query)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug?.(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = String(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug?.(text);
  }
}

function oneLine(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}
