import { expectOAuthRejection, RecordingAuditClient } from '@latchkey/testing';
import { Logger } from '@nestjs/common';
import { DatabaseUnavailableError } from '@latchkey/persistence';
import { InvalidGrant } from '@latchkey/oauth';
import type { EntityManager } from 'typeorm';
import { FixedClock } from '@latchkey/core';
import { KeyEncryption } from '@latchkey/core';
import type { GrantEntity } from './grant.entity';
import { RefreshTokenSuccessors } from './refresh-token-successors';
import type { UserGrantsRepository } from './user-grants.repository';
import { CODE_REUSE_GRANT_WAIT, UserGrantsService } from './user-grants.service';
import { refreshTokenHash } from './refresh-token';
import { RequestContext } from '@latchkey/transport';

const OWNER = {
  grantId: '6f1c2a52-8f43-4a55-9c1e-0f0f3b1d9a10',
  clientId: 'web-app',
  sub: 'user-1',
};

describe('UserGrantsService', () => {
  const clock = new FixedClock(new Date('2025-06-01T12:00:00Z'));
  const wait = { ...CODE_REUSE_GRANT_WAIT };
  let repo: Record<
    'transaction' | 'revokeGrant' | 'findGrant' | 'revokeOrPreRevoke' | 'insertGrant',
    jest.Mock
  >;
  let service: UserGrantsService;
  let audit: RecordingAuditClient;

  beforeEach(() => {
    CODE_REUSE_GRANT_WAIT.intervalMs = 1;
    repo = {
      transaction: jest.fn((work: (em: EntityManager) => Promise<unknown>) =>
        work({} as EntityManager),
      ),
      revokeGrant: jest.fn(async () => false),
      findGrant: jest.fn(async (): Promise<GrantEntity | null> => null),
      revokeOrPreRevoke: jest.fn(async () => true),
      insertGrant: jest.fn(async () => true),
    };
    audit = new RecordingAuditClient('token');
    service = new UserGrantsService(
      repo as unknown as UserGrantsRepository,
      clock,
      audit,
      new RefreshTokenSuccessors(new KeyEncryption('unit-spec-key-encryption-key-0123456789')),
      { issuer: 'https://id.example.test' },
    );
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    Object.assign(CODE_REUSE_GRANT_WAIT, wait);
    jest.restoreAllMocks();
  });

  describe('revokeForCodeReuse', () => {
    it('revokes the grant of the first redemption when it exists', async () => {
      repo.revokeGrant.mockResolvedValueOnce(true);
      await service.revokeForCodeReuse(OWNER);
      expect(repo.revokeGrant).toHaveBeenCalledWith(
        expect.anything(),
        OWNER.grantId,
        'code_reuse',
        clock.now(),
      );
      expect(repo.revokeOrPreRevoke).not.toHaveBeenCalled();
    });

    it('does nothing more when the grant is already revoked', async () => {
      repo.findGrant.mockResolvedValueOnce({ id: OWNER.grantId } as GrantEntity);
      await service.revokeForCodeReuse(OWNER);
      expect(repo.revokeGrant).toHaveBeenCalledTimes(1);
      expect(repo.revokeOrPreRevoke).not.toHaveBeenCalled();
    });

    it('waits for a grant still being stored by the first redemption', async () => {
      repo.revokeGrant.mockResolvedValueOnce(false).mockResolvedValueOnce(false);
      repo.revokeGrant.mockResolvedValueOnce(true);
      await service.revokeForCodeReuse(OWNER);
      expect(repo.revokeGrant).toHaveBeenCalledTimes(3);
      expect(repo.revokeOrPreRevoke).not.toHaveBeenCalled();
    });

    it('revokes the id in advance when the grant never appears', async () => {
      await service.revokeForCodeReuse(OWNER);
      expect(repo.revokeGrant).toHaveBeenCalledTimes(CODE_REUSE_GRANT_WAIT.attempts);
      expect(repo.revokeOrPreRevoke).toHaveBeenCalledWith(
        expect.anything(),
        { id: OWNER.grantId, clientId: OWNER.clientId, sub: OWNER.sub },
        'code_reuse',
        clock.now(),
      );
    });
  });

  it('refuses to create a grant whose id was revoked in advance', async () => {
    repo.insertGrant.mockResolvedValueOnce(false);
    await expectOAuthRejection(
      service.create({ id: OWNER.grantId, clientId: 'web-app', sub: 'user-1', scope: 'openid' }),
      InvalidGrant,
      'invalid_grant',
    );
  });

  it('fails with the outage (503 at the filter) when the database is unreachable', async () => {
    repo.transaction.mockRejectedValue(new DatabaseUnavailableError());
    const outage = { code: 'DATABASE_UNAVAILABLE' };
    await expect(service.revokeAllOfUser('user-1')).rejects.toMatchObject(outage);
    await expect(service.rotate('a'.repeat(43), 'web-app')).rejects.toMatchObject(outage);
  });

  it('passes other database errors on unchanged', async () => {
    const bug = new Error('syntax error at or near');
    repo.transaction.mockRejectedValue(bug);
    await expect(service.revokeAllOfUser('user-1')).rejects.toBe(bug);
  });

  describe('a rotation for a caller that gave up (docs/architecture.md §2.8)', () => {
    const presented = 'p'.repeat(43);
    const grant = {
      id: OWNER.grantId,
      clientId: 'web-app',
      sub: 'user-1',
      scope: 'openid',
      revokedAt: null,
      resource: null,
    } as unknown as GrantEntity;
    const token = {
      hash: refreshTokenHash(presented),
      grantId: OWNER.grantId,
      usedAt: null,
      successorHash: null,
      revokedAt: null,
      expiresAt: new Date('2025-07-01T00:00:00Z'),
      idleExpiresAt: new Date('2025-07-01T00:00:00Z'),
    };
    let rotations: Record<string, jest.Mock>;
    let callerGone: AbortController;

    beforeEach(() => {
      callerGone = new AbortController();
      rotations = {
        findRefreshToken: jest.fn(async () => token),
        lockGrant: jest.fn(async () => grant),
        markRefreshTokenUsed: jest.fn(async () => true),
        insertRefreshToken: jest.fn(async () => undefined),
        restampRotation: jest.fn(async () => undefined),
      };
      Object.assign(repo, rotations, { manager: {} });
    });

    const rotate = () =>
      RequestContext.run({ requestId: 'r', signal: callerGone.signal }, () =>
        service.rotate(presented, 'web-app'),
      );

    it('is dropped before it commits when the caller went away while it ran', async () => {
      let committed = false;
      repo.transaction.mockImplementation(async (work: (em: EntityManager) => Promise<unknown>) => {
        const result = await work({} as EntityManager);
        committed = true;
        return result;
      });
      rotations.insertRefreshToken.mockImplementation(async () => callerGone.abort());
      await expect(rotate()).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(committed).toBe(false);
      expect(rotations.restampRotation).not.toHaveBeenCalled();
    });

    it('restarts its reuse window when the commit outlasted the caller', async () => {
      repo.transaction.mockImplementation(async (work: (em: EntityManager) => Promise<unknown>) => {
        const result = await work({} as EntityManager);
        callerGone.abort(); // the commit took longer than the caller waited
        return result;
      });
      const rotated = await rotate();
      expect(rotated.retry).toBe(false);
      expect(rotations.restampRotation).toHaveBeenCalledWith({}, token.hash, clock.now());
    });

    it('leaves the window alone for a caller still waiting', async () => {
      await rotate();
      expect(rotations.restampRotation).not.toHaveBeenCalled();
    });
  });

  it('does not look up a grant id that is not a UUID', async () => {
    await expect(service.findActive("1' OR '1'='1")).resolves.toBeNull();
    expect(repo.findGrant).not.toHaveBeenCalled();
  });
});
