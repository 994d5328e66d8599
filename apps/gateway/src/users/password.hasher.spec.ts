import { availableParallelism } from 'node:os';
import { PasswordHasher } from './password.hasher';

/** argon2 replaced by hashes that finish when the test says, counting how many run at once. */
const pending: Array<() => void> = [];
let inFlight = 0;
let most = 0;
jest.mock('argon2', () => {
  const actual = jest.requireActual<typeof import('argon2')>('argon2');
  const held = () =>
    new Promise<string>((resolve) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      pending.push(() => {
        inFlight -= 1;
        resolve('$argon2id$held');
      });
    });
  return { ...actual, hash: jest.fn(held), verify: jest.fn(async () => (await held()) !== '') };
});

describe('PasswordHasher', () => {
  it('keeps at most one hash per core in flight; the others wait their turn', async () => {
    const hasher = new PasswordHasher();
    const cores = availableParallelism();
    const work = [
      ...Array.from({ length: cores + 2 }, (_, i) => hasher.hash(`password ${i}`)),
      hasher.verify('$argon2id$stored', 'guess'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(inFlight).toBe(cores);
    while (pending.length > 0) {
      pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(work);
    expect(most).toBe(cores);
  });
});
