import { expect } from '@jest/globals';
import {
  AuditSubjects,
  BroadcastEvents,
  ClientSubjects,
  PAYLOAD_RULES,
  payloadProblem,
  ResourceSubjects,
  TokenSubjects,
  type JwksResponse,
} from '@latchkey/contracts';
import { OAuthError } from '@latchkey/oauth';
import { BusClient, createBusClientProxy } from '@latchkey/transport';
import { callPlatform } from './support/http-call';
import { describeEachMode } from './support/platform';

/**
 * The services check what arrives on the bus as if it came from outside (docs/architecture.md
 * §1.1): a caller on the services' own bus (the private nats-server in distributed mode, the
 * in-process bus in embedded mode) sends every subject payloads of the wrong type, too large,
 * with NUL bytes, nested objects or members missing, gets `invalid_request` back as data each
 * time, and the platform serves normal requests afterwards.
 */
jest.setTimeout(180_000);

/** A payload of each request subject that passes its rule (whether or not the service agrees). */
const WELL_FORMED: Record<string, Record<string, unknown>> = {
  [TokenSubjects.Request]: { params: { grant_type: 'client_credentials' }, authorization: 'x' },
  [TokenSubjects.Revoke]: { params: { token: 't' }, authorization: 'x' },
  [TokenSubjects.Introspect]: { params: { token: 't' }, authorization: 'x', want_jwt: false },
  [TokenSubjects.IssueCode]: {
    client_id: 'c',
    redirect_uri: 'https://app.example.test/cb',
    scope: 'openid',
    sub: 'u',
    auth_time: 1,
    sid: 's',
    amr: ['pwd'],
  },
  [TokenSubjects.ValidateAccessToken]: { token: 't' },
  [TokenSubjects.RevokeUserGrants]: { sub: 'u' },
  [TokenSubjects.ListUserGrants]: { sub: 'u' },
  [TokenSubjects.RevokeGrant]: { grant_id: 'g', sub: 'u' },
  [TokenSubjects.EndSession]: { sid: 's', sub: 'u' },
  [ClientSubjects.Get]: { client_id: 'c' },
  [ClientSubjects.Create]: { metadata: {}, client_id: 'c' },
  [ClientSubjects.List]: { limit: 1, cursor: 'c' },
  [ClientSubjects.Update]: { client_id: 'c', patch: {} },
  [ClientSubjects.Delete]: { client_id: 'c' },
  [ClientSubjects.RotateSecret]: { client_id: 'c', grace_period_seconds: 0 },
  [ClientSubjects.Register]: { metadata: {} },
  [ClientSubjects.CreateInitialAccessToken]: {
    expires_in: 60,
    max_uses: 1,
    scope: 'openid',
    grant_types: ['authorization_code'],
    default_resource: 'https://api.example.test',
  },
  [ClientSubjects.ManageRegistration]: {
    client_id: 'c',
    action: 'read',
    metadata: {},
  },
  [ResourceSubjects.Create]: { resource: {} },
  [ResourceSubjects.Get]: { identifier: 'https://api.example.test' },
  [ResourceSubjects.List]: { limit: 1, cursor: 'c' },
  [ResourceSubjects.Update]: { identifier: 'https://api.example.test', patch: {} },
  [ResourceSubjects.Delete]: { identifier: 'https://api.example.test' },
  [AuditSubjects.Ingest]: { id: 'e', type: 'token.issued', data: {} },
  [AuditSubjects.Query]: { type: 'token.issued', limit: 1 },
  [AuditSubjects.Verify]: { from_seq: 1, to_seq: 2 },
  [AuditSubjects.Export]: {
    after_seq: 1,
    type: 'token.issued',
    subject: 's',
    client_id: 'c',
    limit: 1,
  },
  [AuditSubjects.Checkpoints]: { limit: 1, cursor: 'c' },
};

/**
 * Subjects whose handler reads a malformed payload itself and answers a verdict, not an error
 * (libs/contracts `READ_BY_HANDLER`): an unreadable access token is simply not active.
 */
const VERDICTS: Record<string, unknown> = {
  [TokenSubjects.ValidateAccessToken]: { active: false },
};

/** What a broken or hostile peer might put in a member. */
function deeplyNested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { deeper: value };
  return value;
}
const BAD_VALUES: unknown[] = [
  42.5,
  true,
  ['a', { b: 1 }],
  { nested: { object: ['with', 'members'] } },
  'x'.repeat(200_000),
  'with a NUL \u0000 byte',
  '',
  deeplyNested(40),
  { big: 'y'.repeat(100_000) },
];
const NOT_OBJECTS: unknown[] = [null, 'a string', 12, [1, 2, 3], false];

interface Case {
  subject: string;
  label: string;
  payload: unknown;
}

/** Every malformed payload of every request subject: whole payloads, then member by member. */
function malformedCases(): Case[] {
  const cases: Case[] = [];
  for (const [subject, wellFormed] of Object.entries(WELL_FORMED)) {
    for (const payload of NOT_OBJECTS) {
      cases.push({ subject, label: `${JSON.stringify(payload)} as the payload`, payload });
    }
    for (const member of Object.keys(wellFormed)) {
      const { [member]: _, ...without } = wellFormed;
      if (payloadProblem(PAYLOAD_RULES[subject]!, without)) {
        cases.push({ subject, label: `no ${member}`, payload: without });
      }
      BAD_VALUES.forEach((value, index) => {
        const payload = { ...wellFormed, [member]: value };
        // Only values the member's rule refuses: a nested object is fine where JSON is expected.
        if (payloadProblem(PAYLOAD_RULES[subject]!, payload)?.startsWith(member)) {
          cases.push({ subject, label: `bad value #${index} in ${member}`, payload });
        }
      });
    }
  }
  return cases;
}

describeEachMode('malformed payloads on the bus', (platform, mode) => {
  /** As the gateway (requests), and as the client registry (the broadcasts only it may send). */
  let bus: BusClient;
  let registryBus: BusClient;
  const busAs = (user: 'gateway' | 'client-registry') =>
    new BusClient(
      createBusClientProxy({
        service: 'gateway',
        natsUrl: platform().natsUrl,
        natsAuth: platform().natsUsers?.[user],
      }),
      { timeoutMs: 10_000 },
    );
  // Distributed NATS lets nobody ask audit.ingest (events travel signed on JetStream there).
  const reachable = (subject: string) => mode === 'embedded' || subject !== AuditSubjects.Ingest;

  beforeAll(() => {
    bus = busAs('gateway');
    registryBus = busAs('client-registry');
  });

  afterAll(async () => {
    await bus.close();
    await registryBus.close();
  });

  it('rules out every well-formed payload of this test as malformed by construction', () => {
    for (const [subject, payload] of Object.entries(WELL_FORMED)) {
      expect([subject, payloadProblem(PAYLOAD_RULES[subject]!, payload)]).toEqual([
        subject,
        undefined,
      ]);
    }
  });

  it('answers invalid_request as data to each malformed request (or its verdict), and keeps serving', async () => {
    const cases = malformedCases().filter(({ subject }) => reachable(subject));
    expect(cases.length).toBeGreaterThan(300);
    const wrong: string[] = [];
    for (const { subject, label, payload } of cases) {
      const answer: unknown = await bus.request(subject, payload).then(
        (response) => ({ response }),
        (err: unknown) => err,
      );
      const verdict = VERDICTS[subject];
      const clean =
        verdict === undefined
          ? answer instanceof OAuthError &&
            answer.error === 'invalid_request' &&
            answer.status === 400
          : JSON.stringify(answer) === JSON.stringify({ response: verdict });
      if (!clean) wrong.push(`${subject} with ${label}: ${summary(answer)}`);
    }
    expect(wrong).toEqual([]);

    // Every service still answers.
    const jwks = await bus.request<JwksResponse>(TokenSubjects.Jwks, undefined);
    expect(jwks.keys.length).toBeGreaterThan(0);
    const admin = await bus.request<{ client_id: string } | null>(ClientSubjects.Get, {
      client_id: platform().adminClient.id,
    });
    expect(admin?.client_id).toBe(platform().adminClient.id);
    await expect(bus.request(AuditSubjects.Verify, {})).resolves.toMatchObject({ valid: true });
  });

  it('survives malformed broadcast events, and the platform still serves over HTTP', async () => {
    for (const subject of [BroadcastEvents.ClientChanged, BroadcastEvents.ResourceChanged]) {
      for (const payload of [...NOT_OBJECTS, ...BAD_VALUES.map((v) => ({ client_id: v }))]) {
        await registryBus.emit(subject, payload);
      }
    }
    const token = await callPlatform(platform().issuer, 'POST', '/token', {
      basic: platform().adminClient,
      form: { grant_type: 'client_credentials' },
    });
    expect(token.status).toBe(200);
    const clients = await callPlatform(platform().issuer, 'GET', '/admin/clients', {
      token: token.body.access_token as string,
    });
    expect(clients.status).toBe(200);
  });
});

function summary(answer: unknown): string {
  if (answer instanceof OAuthError) return `${answer.status} ${answer.error}`;
  return JSON.stringify(answer)?.slice(0, 200) ?? String(answer);
}
