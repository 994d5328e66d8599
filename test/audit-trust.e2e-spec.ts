/**
 * The audit trail of a real flow in distributed mode, with NATS as shipped
 * (deploy/nats/nats-server.conf: one user per service, its permissions): the services
 * authenticate, sign their events with their own keys, and the audit service stores and proves
 * them. docs/audit-consumers.md.
 */
import { expect } from '@jest/globals';
import { runCodeFlow } from './support/code-flow';
import { callPlatform, type CallOptions } from './support/http-call';
import { describeWithBackends } from '@latchkey/testing';
import { distributedBackends, usePlatform } from './support/platform';
import { freePort } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

jest.setTimeout(120_000);

describeWithBackends(
  distributedBackends(),
  'audit trail on authenticated NATS (distributed)',
  () => {
    const platform = usePlatform('distributed');
    const call = (method: string, route: string, options: CallOptions = {}) =>
      callPlatform(platform().issuer, method, route, options);

    it('runs the NATS of the shipped configuration, with a user per service', () => {
      expect(platform().natsUsers?.gateway.password).toEqual(expect.any(String));
    });

    it('stores the signed login and token events of a code flow, and the chain verifies', async () => {
      const admin = await PlatformAdmin.connect(platform());
      const user = await admin.createUser('erin');
      const client = await admin.createClient('client_secret_basic', {
        redirectUri: loopbackRedirectUri(await freePort()),
      });
      const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
      const tokens = await runCodeFlow(platform().issuer, agent, client);
      expect(tokens.access_token).toEqual(expect.any(String));

      const adminToken = await call('POST', '/token', {
        basic: platform().adminClient,
        form: { grant_type: 'client_credentials' },
      });
      const token = adminToken.body.access_token as string;
      const wanted: Record<string, string> = {
        'login.succeeded': 'gateway',
        'consent.granted': 'gateway',
        'token.issued': 'token',
        'client.created': 'client-registry',
      };
      const found = new Map<string, Record<string, unknown>>();
      const deadline = Date.now() + 30_000;
      while (found.size < Object.keys(wanted).length && Date.now() < deadline) {
        for (const type of Object.keys(wanted).filter((t) => !found.has(t))) {
          const answer = await call('GET', `/admin/audit?type=${type}`, { token });
          expect(answer.status).toBe(200);
          const items = (answer.body as { items: Record<string, unknown>[] }).items;
          if (items.length > 0) found.set(type, items[0]!);
        }
        if (found.size < Object.keys(wanted).length) await new Promise((r) => setTimeout(r, 250));
      }
      expect([...found.keys()].sort()).toEqual(Object.keys(wanted).sort());
      for (const [type, event] of found) {
        expect(String(event.source)).toMatch(new RegExp(`(^|/)${wanted[type]}$`));
        // Stored with the emitting service's signature, so the chain covers it.
        expect(event.sigkid).toMatch(/^[\w-]{43}$/);
        expect(event.sig).toMatch(/^[\w-]{86}$/);
      }
      const kids = new Set([...found.values()].map((event) => event.sigkid));
      expect(kids.size).toBe(3);
      const verify = await call('GET', '/admin/audit/verify', { token });
      expect(verify.body).toMatchObject({ valid: true });
    });
  },
);
