import type { SigningKeyEntity, SigningKeyStatus } from './signing-key.entity';
import {
  activationTime,
  MAX_SIGNED_TOKEN_LIFETIME_SECONDS,
  planRotation,
  retiredKeyPublishUntil,
} from './key-rotation.policy';

const HOUR = 3600_000;
const NOW = new Date('2030-01-31T00:00:00.000Z');
const CONFIG = { intervalHours: 720, publishAheadSeconds: 120 };

function key(
  kid: string,
  status: SigningKeyStatus,
  overrides: Partial<SigningKeyEntity> = {},
): SigningKeyEntity {
  return {
    kid,
    alg: 'RS256',
    status,
    publicJwk: {},
    privateJwkSealed: 'sealed',
    createdAt: new Date(NOW.getTime() - HOUR),
    activateAt: null,
    publishUntil: null,
    ...overrides,
  };
}

describe('key rotation policy', () => {
  it('publishes a new key one JWKS cache lifetime before it signs', () => {
    expect(activationTime(NOW, CONFIG)).toEqual(new Date(NOW.getTime() + 120_000));
  });

  it('keeps a retired key published for the longest token lifetime (a day) and a margin', () => {
    expect(MAX_SIGNED_TOKEN_LIFETIME_SECONDS).toBe(86_400);
    const until = retiredKeyPublishUntil(NOW).getTime() - NOW.getTime();
    expect(until).toBeGreaterThan(86_400_000 + 10_000);
    expect(until).toBeLessThanOrEqual(86_400_000 + 15 * 60_000);
  });

  it('does nothing while the active key is younger than the interval', () => {
    expect(planRotation([key('a', 'active')], NOW, CONFIG)).toEqual({
      promote: [],
      rotate: [],
      purge: [],
    });
  });

  it('rotates an active key that has signed for a whole interval (by activate_at, else created_at)', () => {
    const old = new Date(NOW.getTime() - 720 * HOUR);
    expect(planRotation([key('a', 'active', { createdAt: old })], NOW, CONFIG).rotate).toEqual([
      'RS256',
    ]);
    const promotedRecently = key('a', 'active', { createdAt: old, activateAt: NOW });
    expect(planRotation([promotedRecently], NOW, CONFIG).rotate).toEqual([]);
  });

  it('never rotates on schedule with an interval of 0', () => {
    const ancient = key('a', 'active', { createdAt: new Date(0) });
    expect(planRotation([ancient], NOW, { ...CONFIG, intervalHours: 0 }).rotate).toEqual([]);
  });

  it('promotes a next key when its time has come, not before, and starts no second rotation', () => {
    const old = new Date(NOW.getTime() - 1000 * HOUR);
    const keys = [
      key('a', 'active', { createdAt: old }),
      key('b', 'next', { activateAt: new Date(NOW.getTime() + 1) }),
    ];
    expect(planRotation(keys, NOW, CONFIG)).toEqual({ promote: [], rotate: [], purge: [] });
    keys[1]!.activateAt = NOW;
    expect(planRotation(keys, NOW, CONFIG).promote).toEqual([
      { alg: 'RS256', kid: 'b', previousKid: 'a' },
    ]);
  });

  it('plans each algorithm on its own', () => {
    const old = new Date(NOW.getTime() - 1000 * HOUR);
    const plan = planRotation(
      [
        key('rsa', 'active', { createdAt: old }),
        key('ec', 'active', { alg: 'ES256' }),
        key('ec-next', 'next', { alg: 'ES256', activateAt: NOW }),
      ],
      NOW,
      CONFIG,
    );
    expect(plan.rotate).toEqual(['RS256']);
    expect(plan.promote).toEqual([{ alg: 'ES256', kid: 'ec-next', previousKid: 'ec' }]);
  });

  it('deletes retired keys once they are no longer published', () => {
    const keys = [
      key('a', 'active'),
      key('gone', 'retired', { publishUntil: NOW }),
      key('kept', 'retired', { publishUntil: new Date(NOW.getTime() + 1) }),
    ];
    expect(planRotation(keys, NOW, CONFIG).purge).toEqual(['gone']);
  });
});
