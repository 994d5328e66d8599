import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { InvalidGrant, TemporarilyUnavailable } from '@latchkey/oauth';
import { DatabaseUnavailableError } from '@latchkey/persistence';
import { lastValueFrom, throwError } from 'rxjs';
import { DatabaseUnavailableInterceptor, violatedConstraint } from './database-errors';

describe('violatedConstraint', () => {
  it('finds the constraint on the error, its driverError or its cause', () => {
    expect(violatedConstraint({ constraint: 'a' })).toBe('a');
    expect(violatedConstraint({ driverError: { constraint: 'b' } })).toBe('b');
    expect(violatedConstraint(new Error('x', { cause: { constraint: 'c' } }))).toBe('c');
  });

  it('is undefined for anything else', () => {
    expect(violatedConstraint(new Error('x'))).toBeUndefined();
    expect(violatedConstraint(undefined)).toBeUndefined();
    expect(violatedConstraint('constraint')).toBeUndefined();
  });
});

describe('DatabaseUnavailableInterceptor', () => {
  const interceptor = new DatabaseUnavailableInterceptor();
  const failWith = (err: unknown) =>
    lastValueFrom(
      interceptor.intercept(
        {} as ExecutionContext,
        {
          handle: () => throwError(() => err),
        } as CallHandler,
      ),
    );

  beforeEach(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('turns an unreachable database into temporarily_unavailable (503)', async () => {
    const rejection = failWith(new DatabaseUnavailableError('database unavailable: ECONNREFUSED'));
    await expect(rejection).rejects.toBeInstanceOf(TemporarilyUnavailable);
    await expect(
      failWith(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })),
    ).rejects.toMatchObject({ status: 503, error: 'temporarily_unavailable' });
  });

  it('passes OAuth errors and other failures through unchanged', async () => {
    const oauth = new InvalidGrant('x');
    await expect(failWith(oauth)).rejects.toBe(oauth);
    const bug = new TypeError('bug');
    await expect(failWith(bug)).rejects.toBe(bug);
  });
});
