import { isBackendUnavailable } from '@latchkey/oauth';
import {
  type DataSource,
  QueryFailedError,
  type QueryRunner,
  QueryRunnerAlreadyReleasedError,
} from 'typeorm';
import {
  DatabaseUnavailableError,
  isDatabaseUnavailable,
  toDatabaseError,
  translateDatabaseErrors,
} from './database.errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['refused', withCode('ECONNREFUSED')],
    ['reset', withCode('ECONNRESET')],
    ['DNS', withCode('ENOTFOUND')],
    [
      'admin shutdown (57P01)',
      withCode('57P01', 'terminating connection due to administrator command'),
    ],
    ['starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['connection exception class 08', withCode('08006')],
    ['too many connections', withCode('53300')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg-pool: checkout timeout', new Error('timeout exceeded when trying to connect')],
    ['pg: connect timeout', new Error('Connection terminated due to connection timeout')],
    ['pool ended', new Error('Cannot use a pool after calling end on the pool')],
    [
      'statement_timeout (57014)',
      withCode('57014', 'canceling statement due to statement timeout'),
    ],
    ['pg: query_timeout', new Error('Query read timeout')],
    ['our own error', new DatabaseUnavailableError()],
    ['localhost dual-stack refusal', new AggregateError([withCode('ECONNREFUSED')], '')],
    ['wrapped as cause', new Error('outer', { cause: withCode('ETIMEDOUT') })],
  ])('recognises %s', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('treats a runner released by its dead connection as unavailable', () => {
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(true);
  });

  it('looks into TypeORM QueryFailedError.driverError', () => {
    const failed = new QueryFailedError('SELECT 1', [], withCode('57P01'));
    expect(isDatabaseUnavailable(failed)).toBe(true);
  });

  it.each([
    ['unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['syntax error', withCode('42601', 'syntax error at or near "SELEC"')],
    ['undefined table', withCode('42P01', 'relation "x" does not exist')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
  ])('does not treat %s as unavailable', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('wraps only unavailability in DatabaseUnavailableError, keeping the cause', () => {
    const refused = withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
    const wrapped = toDatabaseError(refused) as DatabaseUnavailableError;
    expect(wrapped).toBeInstanceOf(DatabaseUnavailableError);
    expect(wrapped.code).toBe('DATABASE_UNAVAILABLE');
    expect(wrapped.cause).toBe(refused);
    const unique = withCode('23505');
    expect(toDatabaseError(unique)).toBe(unique);
  });
});

describe('translateDatabaseErrors', () => {
  /** A DataSource whose runners fail every call with `err`, as a driver would. */
  function failingDataSource(err: unknown): DataSource {
    const fail = () => Promise.reject(err);
    const runner = {
      connect: fail,
      query: fail,
      startTransaction: fail,
      commitTransaction: fail,
      rollbackTransaction: fail,
      release: fail,
    } as unknown as QueryRunner;
    return { createQueryRunner: () => runner } as unknown as DataSource;
  }

  it.each([
    ['pg-pool checkout timeout', new Error('timeout exceeded when trying to connect')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a dropped connection mid-query', new QueryFailedError('SELECT 1', [], withCode('57P01'))],
  ])('gives %s the stable code the outage mapping reads', async (_name, err) => {
    const runner = translateDatabaseErrors(failingDataSource(err)).createQueryRunner();
    for (const call of [
      () => runner.connect(),
      () => runner.query('SELECT 1'),
      () => runner.startTransaction(),
      () => runner.commitTransaction(),
    ]) {
      const thrown: unknown = await call().catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(DatabaseUnavailableError);
      expect((thrown as DatabaseUnavailableError).cause).toBe(err);
      expect(isBackendUnavailable(thrown)).toBe(true);
    }
  });

  it('passes every other failure unchanged (a constraint stays a QueryFailedError)', async () => {
    const unique = new QueryFailedError('INSERT', [], withCode('23505'));
    const runner = translateDatabaseErrors(failingDataSource(unique)).createQueryRunner();
    await expect(runner.query('INSERT')).rejects.toBe(unique);
  });

  it('wraps a DataSource once, however often it is asked', () => {
    const dataSource = failingDataSource(withCode('ECONNRESET'));
    translateDatabaseErrors(dataSource);
    const once = dataSource.createQueryRunner;
    translateDatabaseErrors(dataSource);
    expect(dataSource.createQueryRunner).toBe(once);
  });

  it('drops the connection of a statement that outlived the client read timeout', async () => {
    const timedOut = new QueryFailedError('UPDATE', [], new Error('Query read timeout'));
    const releasedWith: unknown[] = [];
    const runner = {
      query: () => Promise.reject(timedOut),
      releasePostgresConnection: async (err?: unknown) => void releasedWith.push(err),
    } as unknown as QueryRunner;
    const dataSource = { createQueryRunner: () => runner } as unknown as DataSource;
    const translated = translateDatabaseErrors(dataSource).createQueryRunner();
    const thrown: unknown = await translated.query('UPDATE').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DatabaseUnavailableError);
    // Released with the error: pg-pool closes that connection instead of lending it out again.
    expect(releasedWith).toEqual([timedOut]);
  });

  it('keeps the connection of a statement the server cancelled itself', async () => {
    const cancelled = new QueryFailedError('UPDATE', [], withCode('57014'));
    const releasedWith: unknown[] = [];
    const runner = {
      query: () => Promise.reject(cancelled),
      releasePostgresConnection: async (err?: unknown) => void releasedWith.push(err),
    } as unknown as QueryRunner;
    const dataSource = { createQueryRunner: () => runner } as unknown as DataSource;
    const translated = translateDatabaseErrors(dataSource).createQueryRunner();
    await expect(translated.query('UPDATE')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(releasedWith).toEqual([]);
  });
});
