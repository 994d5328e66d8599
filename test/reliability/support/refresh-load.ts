import { callPlatform } from '../../support/http-call';
import type { TestClient } from '../../support/provisioning';

/**
 * A steady refresh load, as real clients make it: each family (one grant's chain of refresh
 * tokens) refreshes in a loop with the token it holds, keeps the successor of a 200, retries
 * the same token after a `503 temporarily_unavailable` (or a transport failure), and stops for
 * good at `invalid_grant`, which for a client that never reuses a token means its family was
 * revoked by mistake.
 */
export interface LoadSample {
  family: number;
  startedAt: number;
  endedAt: number;
  /** HTTP status; 0 for no answer within the client's own timeout (callPlatform's 15 s): a hang. */
  status: number;
  error?: string;
  /** Which replica answered (the proxy says), and whether the proxy answered itself. */
  upstream?: string;
  fromProxy: boolean;
}

export interface RefreshLoad {
  samples: LoadSample[];
  /** Families ended by invalid_grant, with the answer. */
  broken: Map<number, string>;
  /** Each family's current refresh token. */
  tokens: string[];
  stop(): Promise<void>;
}

export function startRefreshLoad(
  issuer: string,
  client: TestClient,
  initialTokens: string[],
  { pauseMs = 40, retryAfterMs = 250 } = {},
): RefreshLoad {
  const samples: LoadSample[] = [];
  const broken = new Map<number, string>();
  const tokens = [...initialTokens];
  let running = true;
  const loops = tokens.map(async (_, family) => {
    while (running && !broken.has(family)) {
      const startedAt = Date.now();
      let status = 0;
      let error: string | undefined;
      let upstream: string | undefined;
      let fromProxy = false;
      try {
        const answer = await callPlatform(issuer, 'POST', '/token', {
          basic: { id: client.client_id, secret: client.client_secret! },
          form: { grant_type: 'refresh_token', refresh_token: tokens[family]! },
          headers: {},
        });
        status = answer.status;
        upstream = answer.headers.get('x-upstream') ?? undefined;
        fromProxy = answer.headers.get('x-proxy-verdict') !== null;
        error = typeof answer.body.error === 'string' ? answer.body.error : undefined;
        if (status === 200) tokens[family] = answer.body.refresh_token as string;
        if (status === 400 && error === 'invalid_grant') broken.set(family, answer.text);
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? 'client timeout' : String(err);
      }
      samples.push({ family, startedAt, endedAt: Date.now(), status, error, upstream, fromProxy });
      await new Promise((resolve) => setTimeout(resolve, status === 200 ? pauseMs : retryAfterMs));
    }
  });
  return {
    samples,
    broken,
    tokens,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Milliseconds from `since` until the first success of a request that began after it. */
export function recoveryMs(samples: LoadSample[], since: number): number | undefined {
  const first = samples
    .filter((s) => s.status === 200 && s.startedAt >= since)
    .sort((a, b) => a.endedAt - b.endedAt)[0];
  return first === undefined ? undefined : first.endedAt - since;
}
