import { constantTimeEqual, InvalidClient, sha256Base64Url } from '@latchkey/oauth';
import { CLIENT_SECRET, clientRecord } from '../fixtures/registry.fixture';
import { checkClientSecret } from './client-secret.auth';

jest.mock('@latchkey/oauth', () => {
  const actual = jest.requireActual<typeof import('@latchkey/oauth')>('@latchkey/oauth');
  return { ...actual, constantTimeEqual: jest.fn(actual.constantTimeEqual) };
});

const now = new Date('2025-06-01T12:00:00.000Z');
const hash = (secret: string) => sha256Base64Url(secret);

function expectInvalidClient(fn: () => void, pattern: RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(InvalidClient);
  expect((thrown as InvalidClient).error).toBe('invalid_client');
  expect((thrown as InvalidClient).status).toBe(401);
  expect((thrown as InvalidClient).description).toMatch(pattern);
}

describe('client_secret_basic and client_secret_post', () => {
  const client = clientRecord();

  it('accept the registered secret', () => {
    expect(() => checkClientSecret(client, CLIENT_SECRET, now)).not.toThrow();
  });

  it('refuse a wrong secret', () => {
    expectInvalidClient(
      () => checkClientSecret(client, `${CLIENT_SECRET}x`, now),
      /does not match/,
    );
    expectInvalidClient(() => checkClientSecret(client, 'wrong', now), /does not match/);
  });

  it('refuse the hash itself as the secret', () => {
    expectInvalidClient(
      () => checkClientSecret(client, client.secret_hashes[0]!.hash, now),
      /does not match/,
    );
  });
});

describe('checkClientSecret', () => {
  beforeEach(() => jest.mocked(constantTimeEqual).mockClear());

  it('accepts either secret during a rotation grace period', () => {
    const client = clientRecord({
      secret_hashes: [
        { hash: hash('new-secret'), expires_at: null },
        { hash: hash('old-secret'), expires_at: '2025-06-01T12:00:01.000Z' },
      ],
    });
    expect(() => checkClientSecret(client, 'new-secret', now)).not.toThrow();
    expect(() => checkClientSecret(client, 'old-secret', now)).not.toThrow();
  });

  it('refuses a secret whose hash has expired', () => {
    const client = clientRecord({
      secret_hashes: [
        { hash: hash('new-secret'), expires_at: null },
        { hash: hash('old-secret'), expires_at: '2025-06-01T12:00:00.000Z' },
      ],
    });
    expectInvalidClient(() => checkClientSecret(client, 'old-secret', now), /does not match/);
  });

  it('refuses a hash with an unreadable expiry', () => {
    const client = clientRecord({
      secret_hashes: [{ hash: hash('s'), expires_at: 'not a date' }],
    });
    expectInvalidClient(() => checkClientSecret(client, 's', now), /does not match/);
  });

  it('refuses every secret once client_secret_expires_at has passed', () => {
    const client = clientRecord({ client_secret_expires_at: now.getTime() / 1000 });
    expectInvalidClient(() => checkClientSecret(client, CLIENT_SECRET, now), /expired/);
    const later = clientRecord({ client_secret_expires_at: now.getTime() / 1000 + 1 });
    expect(() => checkClientSecret(later, CLIENT_SECRET, now)).not.toThrow();
  });

  it('refuses a client without secret hashes', () => {
    expectInvalidClient(
      () => checkClientSecret(clientRecord({ secret_hashes: [] }), CLIENT_SECRET, now),
      /does not match/,
    );
  });

  it('compares against every unexpired hash, even after a match', () => {
    const client = clientRecord({
      secret_hashes: [
        { hash: hash('first'), expires_at: null },
        { hash: hash('second'), expires_at: null },
        { hash: hash('third'), expires_at: '2030-01-01T00:00:00.000Z' },
        { hash: hash('expired'), expires_at: '2020-01-01T00:00:00.000Z' },
      ],
    });
    checkClientSecret(client, 'first', now);
    expect(constantTimeEqual).toHaveBeenCalledTimes(3);
  });
});
