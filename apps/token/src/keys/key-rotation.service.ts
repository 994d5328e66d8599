import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { DEFAULT_KEY_ROTATION, type KeyRotationConfig } from '@latchkey/config';
import {
  type RotateKeysResponse,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from '@latchkey/contracts';
import type { EntityManager } from 'typeorm';
import { Clock } from '@latchkey/core';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import {
  activationTime,
  isEmptyPlan,
  planRotation,
  retiredKeyPublishUntil,
  type RotationPlan,
} from './key-rotation.policy';
import type { SigningKeyEntity } from './signing-key.entity';
import { type NewSigningKey, SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

type RotatedKey = RotateKeysResponse['rotated'][number];

/** What one scheduler step did. */
export interface RotationStep {
  promoted: { alg: string; kid: string; previous_kid?: string }[];
  started: RotatedKey[];
  deleted: string[];
}

/**
 * Signing-key rotation (docs/architecture.md §3: the JWKS keeps the previous key while its tokens live):
 *  1. a new key is inserted as `next`: in the JWKS at once, signing nothing;
 *  2. one JWKS cache lifetime later (KEY_PUBLISH_AHEAD_SECONDS) it becomes `active`, and the
 *     previous key is `retired`, published until every token it signed has expired;
 *  3. after that the retired key is deleted.
 * Step 1 runs on demand (admin API) or on schedule (KEY_ROTATION_INTERVAL_HOURS); steps 2 and 3
 * run on the scheduler's tick (or `step` called directly). Every change happens in one
 * transaction holding an advisory lock, after reading the keys again under it, so replicas
 * ticking at once agree: the first does the work, the others find nothing left to do. Signers
 * on every replica pick the key whose status is `active` (cached 10 s).
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);
  private readonly config: KeyRotationConfig;

  constructor(
    private readonly repo: SigningKeysRepository,
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    private readonly audit: AuditClient,
    @Inject(TOKEN_CONFIG) tokenConfig: TokenConfig,
  ) {
    this.config = tokenConfig.keyRotation ?? DEFAULT_KEY_ROTATION;
  }

  /**
   * On demand: a next key for every algorithm, active after the publish-ahead time. An algorithm
   * that already has a next key keeps it (asking twice does not rotate twice); the answer names
   * it either way, with the time it becomes active.
   */
  async rotateNow(): Promise<RotateKeysResponse> {
    const generated = await this.generateKeys(SIGNING_ALGORITHMS);
    const rotated = await this.repo.withRotationLock(async (em) => {
      const now = this.clock.now();
      const rows = await this.repo.findAll(em);
      const result: RotatedKey[] = [];
      for (const alg of SIGNING_ALGORITHMS) {
        const pending = rows.find((row) => row.alg === alg && row.status === 'next');
        const active = rows.find((row) => row.alg === alg && row.status === 'active');
        result.push(
          pending
            ? describeRotation(pending, active)
            : await this.startRotation(em, generated.get(alg)!, active, now, 'on_demand'),
        );
      }
      return result;
    });
    // The next keys are in the JWKS now: this replica's verifiers need not wait to see them.
    this.keys.forgetActiveKeys();
    return { rotated };
  }

  /**
   * One scheduler step at `now`: promote next keys whose time has come, start the scheduled
   * rotation of keys older than the interval, delete retired keys no longer published. Reads
   * without the lock first, so that the usual tick (nothing to do) costs one small SELECT.
   */
  async step(now = this.clock.now()): Promise<RotationStep> {
    const done: RotationStep = { promoted: [], started: [], deleted: [] };
    const first = planRotation(await this.repo.findAll(), now, this.config);
    if (isEmptyPlan(first)) return done;
    // Key generation (RSA takes a while) happens before the lock, for the algorithms that may
    // need a key; under the lock the plan is made again from what the rows say then.
    const generated = await this.generateKeys(first.rotate as SigningAlgorithm[]);
    await this.repo.withRotationLock(async (em) => {
      const rows = await this.repo.findAll(em);
      await this.apply(em, planRotation(rows, now, this.config), rows, generated, now, done);
    });
    if (done.promoted.length > 0 || done.started.length > 0 || done.deleted.length > 0) {
      this.keys.forgetActiveKeys(done.deleted);
    }
    return done;
  }

  private async apply(
    em: EntityManager,
    plan: RotationPlan,
    rows: readonly SigningKeyEntity[],
    generated: ReadonlyMap<string, NewSigningKey>,
    now: Date,
    done: RotationStep,
  ): Promise<void> {
    for (const promotion of plan.promote) {
      const publishUntil = retiredKeyPublishUntil(now);
      await this.repo.promote(em, promotion.alg, promotion.kid, now, publishUntil);
      done.promoted.push({
        alg: promotion.alg,
        kid: promotion.kid,
        previous_kid: promotion.previousKid,
      });
      this.logger.log(
        `${promotion.alg} signing key ${promotion.kid} is now active; ` +
          `${promotion.previousKid ?? '(none)'} retired, published until ${publishUntil.toISOString()}`,
      );
    }
    for (const alg of plan.rotate) {
      const key = generated.get(alg);
      if (!key) continue; // Became due between the two reads: the next tick starts it.
      const active = rows.find((row) => row.alg === alg && row.status === 'active');
      done.started.push(await this.startRotation(em, key, active, now, 'scheduled'));
    }
    if (plan.purge.length > 0) {
      done.deleted.push(...(await this.repo.deleteUnpublished(em, now)));
      this.logger.log(
        `deleted retired signing keys no longer published: ${done.deleted.join(', ')}`,
      );
    }
  }

  /** Inserts `key` as the next key of its algorithm and records `key.rotated` with it. */
  private async startRotation(
    em: EntityManager,
    key: NewSigningKey,
    active: SigningKeyEntity | undefined,
    now: Date,
    trigger: 'on_demand' | 'scheduled',
  ): Promise<RotatedKey> {
    const activatesAt = activationTime(now, this.config);
    if (!(await this.repo.insertNext(em, key, now, activatesAt))) {
      // Only under the lock does this code insert, so a pending key would have been found.
      throw new Error(`a next ${key.alg} signing key appeared while the rotation lock was held`);
    }
    const rotated: RotatedKey = {
      alg: key.alg,
      kid: key.kid,
      ...(active ? { previous_kid: active.kid } : {}),
      activates_at: activatesAt.toISOString(),
    };
    // In the same transaction: the event exists if and only if the new key does.
    await this.audit.recordInTransaction(em, 'key.rotated', {
      subject: key.kid,
      data: { ...rotated, trigger },
    });
    this.logger.log(
      `${trigger} rotation: ${key.alg} signing key ${key.kid} published, active from ${rotated.activates_at}`,
    );
    return rotated;
  }

  private async generateKeys(
    algs: readonly SigningAlgorithm[],
  ): Promise<Map<string, NewSigningKey>> {
    const generated = new Map<string, NewSigningKey>();
    for (const alg of algs) generated.set(alg, await this.keys.generate(alg));
    return generated;
  }
}

/** A pending rotation, as the answer to a second on-demand request names it. */
function describeRotation(
  next: SigningKeyEntity,
  active: SigningKeyEntity | undefined,
): RotatedKey {
  return {
    alg: next.alg,
    kid: next.kid,
    ...(active ? { previous_kid: active.kid } : {}),
    ...(next.activateAt ? { activates_at: next.activateAt.toISOString() } : {}),
  };
}
