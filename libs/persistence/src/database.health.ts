import type { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from './database.errors';

/**
 * Readiness probe: `SELECT 1` within `timeoutMs`. Resolves with the round trip in ms; rejects with
 * {@link DatabaseUnavailableError} when the database does not answer in time or at all.
 */
export async function pingDatabase(dataSource: DataSource, timeoutMs = 1_000): Promise<number> {
  if (!dataSource.isInitialized) throw new DatabaseUnavailableError('database not connected');
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailableError(`database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    await Promise.race([dataSource.query('SELECT 1'), timeout]);
    return Date.now() - started;
  } catch (err) {
    if (err instanceof DatabaseUnavailableError) throw err;
    throw new DatabaseUnavailableError(
      `database ping failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}
