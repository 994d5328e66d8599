import { runCodeFlow } from '../../support/code-flow';
import { callPlatform } from '../../support/http-call';
import type { TestClient, TestUser } from '../../support/provisioning';
import { HeadlessUserAgent } from '../../support/user-agent';
import { startRefreshLoad, type RefreshLoad } from './refresh-load';

/**
 * Steady mixed traffic as the platform's clients make it, each kind in its own loop (its
 * statuses are in the proxy's log):
 * - sign-ins: the authorization code flow through the pages (authorize, login, code exchange),
 *   then the same code presented again, which must be refused, and the refresh token revoked
 *   (RFC 7009) and then found inactive by introspection;
 * - refreshes: a refresh-token load (`refresh-load.ts`) whose clients never reuse a token;
 * - introspection of a live access token;
 * - an admin API read (`GET /admin/clients/:id`).
 * Failures of a loop step during a fault are expected (503 or the spec's error page); what the
 * loops count are outcomes that must never happen, whatever the fault.
 */
export interface MixedLoad {
  refresh: RefreshLoad;
  /** Code flows completed (token answered). */
  signIns: Array<{ startedAt: number; endedAt: number }>;
  /** Why a sign-in did not complete (expected during faults), by message. */
  signInFailures: string[];
  /** A code accepted a second time: never. */
  codesAcceptedTwice: number;
  /** A revoked refresh token still active afterwards: never. */
  revokedStillActive: number;
  stop(): Promise<void>;
}

export interface MixedLoadSetup {
  issuer: string;
  client: TestClient;
  user: TestUser;
  refreshTokens: string[];
  /** An access token to introspect. */
  accessToken: string;
  adminToken: string;
  signInLoops?: number;
}

export function startMixedLoad(setup: MixedLoadSetup): MixedLoad {
  const { issuer, client } = setup;
  const basic = { id: client.client_id, secret: client.client_secret! };
  let running = true;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const load: MixedLoad = {
    refresh: startRefreshLoad(issuer, client, setup.refreshTokens),
    signIns: [],
    signInFailures: [],
    codesAcceptedTwice: 0,
    revokedStillActive: 0,
    stop: async () => {
      running = false;
      await Promise.all([load.refresh.stop(), ...loops]);
    },
  };

  const signIn = async () => {
    while (running) {
      const startedAt = Date.now();
      try {
        const agent = new HeadlessUserAgent({
          username: setup.user.username,
          password: setup.user.password,
        });
        const flow = await runCodeFlow(issuer, agent, client);
        load.signIns.push({ startedAt, endedAt: Date.now() });
        const replay = await callPlatform(issuer, 'POST', '/token', {
          basic,
          form: {
            grant_type: 'authorization_code',
            code: flow.code,
            redirect_uri: client.redirect_uri,
            code_verifier: flow.code_verifier,
          },
        });
        if (replay.status === 200) load.codesAcceptedTwice++;
        const revoked = await callPlatform(issuer, 'POST', '/revoke', {
          basic,
          form: { token: flow.refresh_token!, token_type_hint: 'refresh_token' },
        });
        if (revoked.status === 200) {
          const seen = await callPlatform(issuer, 'POST', '/introspect', {
            basic,
            form: { token: flow.refresh_token! },
          });
          if (seen.status === 200 && seen.body.active !== false) load.revokedStillActive++;
        }
      } catch (err) {
        load.signInFailures.push((err as Error).message.slice(0, 200));
        await pause(250);
      }
      await pause(50);
    }
  };

  const introspect = async () => {
    while (running) {
      await callPlatform(issuer, 'POST', '/introspect', {
        basic,
        form: { token: setup.accessToken },
      }).catch(() => undefined);
      await pause(100);
    }
  };

  const admin = async () => {
    while (running) {
      await callPlatform(issuer, 'GET', `/admin/clients/${client.client_id}`, {
        token: setup.adminToken,
      }).catch(() => undefined);
      await pause(200);
    }
  };

  const loops = [
    ...Array.from({ length: setup.signInLoops ?? 2 }, () => signIn()),
    introspect(),
    admin(),
  ];
  return load;
}
