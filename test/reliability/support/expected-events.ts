/**
 * The audit events a test expects, derived from what it did: each fact by its event type and the
 * id that names it (a token by its `jti`, a login by its session, an admin change by the resource
 * id), with the actor it must carry. Compared with the stored events, it finds the missing ones,
 * the facts stored twice (under any event id) and the events whose actor is wrong.
 */
export interface StoredEvent {
  id: string;
  type: string;
  subject?: string;
  data: Record<string, unknown> & {
    actor?: { type?: string; id?: string };
  };
}

export interface ExpectedActor {
  type: 'user' | 'admin' | 'client';
  id: string;
}

/** The id that names the fact of each event type this test makes happen. */
const KEY_OF: Record<string, (event: StoredEvent) => unknown> = {
  'login.succeeded': (e) => e.data.session,
  'session.started': (e) => e.data.session,
  'code.issued': (e) => e.data.session,
  'code.redeemed': (e) => e.data.grant,
  'grant.created': (e) => e.data.grant,
  'token.issued': (e) => e.data.jti,
  'token.refreshed': (e) => e.data.jti,
  'token.revoked': (e) => e.subject,
  'session.ended': (e) => e.subject,
  'admin_login.succeeded': (e) => e.data.jti,
  'user.created': (e) => e.subject,
  'user.updated': (e) => e.subject,
  'user.disabled': (e) => e.subject,
  'client.created': (e) => e.subject,
  'client.updated': (e) => e.subject,
  'client.deleted': (e) => e.subject,
};

export function factKey(event: StoredEvent): string | undefined {
  const key = KEY_OF[event.type]?.(event);
  return typeof key === 'string' ? `${event.type} ${key}` : undefined;
}

export interface Comparison {
  /** Expected facts without a stored event. */
  missing: string[];
  /** Facts stored more than once, with their count. */
  duplicated: Array<{ fact: string; count: number }>;
  /** Event ids stored more than once. */
  duplicateIds: string[];
  /** Stored events naming no expected fact, per type (attempts whose answer was lost). */
  unexpected: Map<string, number>;
  /** Stored events of an expected fact with the wrong actor, or without ip/user agent. */
  badActors: Array<{ fact: string; actor: unknown; ip: unknown; userAgent: unknown }>;
  /** Stored events per type. */
  countsByType: Map<string, number>;
}

export class ExpectedEvents {
  private readonly facts = new Map<string, ExpectedActor>();

  expect(type: string, id: string, actor: ExpectedActor): void {
    if (!(type in KEY_OF)) throw new Error(`no fact key for ${type}`);
    this.facts.set(`${type} ${id}`, actor);
  }

  get size(): number {
    return this.facts.size;
  }

  countsByType(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const fact of this.facts.keys()) {
      const type = fact.slice(0, fact.indexOf(' '));
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    return counts;
  }

  compare(stored: readonly StoredEvent[]): Comparison {
    const byFact = new Map<string, StoredEvent[]>();
    const ids = new Map<string, number>();
    const unexpected = new Map<string, number>();
    const countsByType = new Map<string, number>();
    for (const event of stored) {
      ids.set(event.id, (ids.get(event.id) ?? 0) + 1);
      countsByType.set(event.type, (countsByType.get(event.type) ?? 0) + 1);
      const fact = factKey(event);
      if (fact === undefined || !this.facts.has(fact)) {
        unexpected.set(event.type, (unexpected.get(event.type) ?? 0) + 1);
      }
      if (fact !== undefined) byFact.set(fact, [...(byFact.get(fact) ?? []), event]);
    }
    const badActors: Comparison['badActors'] = [];
    for (const [fact, actor] of this.facts) {
      for (const event of byFact.get(fact) ?? []) {
        const { ip, user_agent: userAgent } = event.data;
        const got = event.data.actor;
        if (
          got?.type !== actor.type ||
          got.id !== actor.id ||
          typeof ip !== 'string' ||
          typeof userAgent !== 'string'
        ) {
          badActors.push({ fact, actor: got, ip, userAgent });
        }
      }
    }
    return {
      missing: [...this.facts.keys()].filter((fact) => !byFact.has(fact)),
      duplicated: [...byFact]
        .filter(([, events]) => events.length > 1)
        .map(([fact, events]) => ({ fact, count: events.length })),
      duplicateIds: [...ids].filter(([, count]) => count > 1).map(([id]) => id),
      unexpected,
      badActors,
      countsByType,
    };
  }
}
