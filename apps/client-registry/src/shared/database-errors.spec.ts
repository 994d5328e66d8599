import { violatedConstraint } from './database-errors';

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
