import { expect } from '@jest/globals';
import { TokenSubjects } from '@latchkey/contracts';
import { describeWithBackends } from '@latchkey/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCodeFlow, type CodeFlowResult } from './support/code-flow';
import {
  startOtlpReceiver,
  SpanKinds,
  type OtlpReceiver,
  type ReceivedSpan,
} from './support/otlp-receiver';
import {
  distributedBackends,
  startDistributedPlatform,
  stopGracefully,
  waitUntilReady,
  type Platform,
} from './support/platform';
import { entryOf, eventually, freePort, ROOT, startProcess } from './support/processes';
import { loopbackRedirectUri, PlatformAdmin, type TestClient } from './support/provisioning';
import { HeadlessUserAgent } from './support/user-agent';

/**
 * Tracing (docs/operations.md, Tracing): with an OTLP endpoint configured, the code exchange at
 * `/token` is one trace from the gateway's HTTP span, through its bus call, to the token service's
 * handler, every span carrying the request id and none a secret; with tracing off (the default,
 * or OTEL_SDK_DISABLED) nothing is sent and the SDK is never loaded.
 */
jest.setTimeout(180_000);

const REQUEST_ID = 'latchkey.request_id';
const TRACE_ENV = {
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  // Spans leave within a fifth of a second rather than the SDK's default five.
  OTEL_BSP_SCHEDULE_DELAY: '200',
};

interface Flow {
  client: TestClient;
  user: { password: string };
  tokens: CodeFlowResult;
}

/** A user, a confidential client and the code flow; what it handled, secrets included. */
async function runFlow(platform: Pick<Platform, 'issuer' | 'adminClient'>): Promise<Flow> {
  const admin = await PlatformAdmin.connect(platform);
  const user = await admin.createUser('tess');
  const client = await admin.createClient('client_secret_basic', {
    redirectUri: loopbackRedirectUri(await freePort()),
  });
  const agent = new HeadlessUserAgent({ username: user.username, password: user.password });
  const tokens = await runCodeFlow(platform.issuer, agent, client);
  return { client, user, tokens };
}

/** The spans of the code exchange's trace, once the token service's handler span has arrived. */
async function exchangeTrace(receiver: OtlpReceiver, requestId: string): Promise<ReceivedSpan[]> {
  const handler = await eventually(
    async () =>
      receiver
        .spans()
        .find(
          (span) =>
            span.name === TokenSubjects.Request &&
            span.kind === SpanKinds.server &&
            span.attributes[REQUEST_ID] === requestId,
        ),
    { timeoutMs: 30_000, what: `the ${TokenSubjects.Request} handler span` },
  );
  return receiver.spans().filter((span) => span.traceId === handler.traceId);
}

/** The chain HTTP span → bus client span → handler span of `/token`, each the parent of the next. */
function expectExchangeChain(
  trace: ReceivedSpan[],
  requestId: string,
  services: { gateway: string; token: string },
  clientId: string,
): void {
  const http = trace.find((span) => span.name === 'POST /token' && span.kind === SpanKinds.server);
  expect(http).toMatchObject({
    service: services.gateway,
    parentSpanId: '',
    attributes: expect.objectContaining({
      [REQUEST_ID]: requestId,
      'http.route': '/token',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'latchkey.client_id': clientId,
    }),
  });
  const call = trace.find(
    (span) => span.name === TokenSubjects.Request && span.kind === SpanKinds.client,
  );
  expect(call).toMatchObject({
    service: services.gateway,
    parentSpanId: http!.spanId,
    attributes: expect.objectContaining({
      [REQUEST_ID]: requestId,
      'messaging.system': 'nats',
      'messaging.destination.name': TokenSubjects.Request,
    }),
  });
  const handler = trace.find(
    (span) => span.name === TokenSubjects.Request && span.kind === SpanKinds.server,
  );
  expect(handler).toMatchObject({
    service: services.token,
    parentSpanId: call!.spanId,
    attributes: expect.objectContaining({ [REQUEST_ID]: requestId }),
  });
}

/** No secret of the flow in anything the collector received. */
function expectNoSecrets(receiver: OtlpReceiver, flow: Flow): void {
  const sent = receiver.bodies().join('\n');
  const secrets = {
    'client secret': flow.client.client_secret,
    password: flow.user.password,
    code: flow.tokens.code,
    code_verifier: flow.tokens.code_verifier,
    'access token': flow.tokens.access_token,
    'refresh token': flow.tokens.refresh_token,
    id_token: flow.tokens.id_token,
  };
  const leaked = Object.entries(secrets)
    .filter(([, value]) => value !== undefined && sent.includes(value))
    .map(([name]) => name);
  expect(leaked).toEqual([]);
}

describeWithBackends(distributedBackends(), 'tracing: distributed mode', () => {
  let receiver: OtlpReceiver;
  let platform: Platform;
  let flow: Flow;
  let requestId: string;
  let trace: ReceivedSpan[];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    platform = await startDistributedPlatform({
      ...TRACE_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    flow = await runFlow(platform);
    requestId = flow.tokens.tokenRequestId!;
    trace = await exchangeTrace(receiver, requestId);
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.stop();
  }, 60_000);

  it('answers /token with a request id', () => {
    expect(requestId).toMatch(/^[A-Za-z0-9._:-]+$/);
  });

  it('links the gateway, the bus hop and the token service in one trace with the request id', () => {
    expectExchangeChain(
      trace,
      requestId,
      { gateway: 'latchkey-gateway', token: 'latchkey-token' },
      flow.client.client_id,
    );
    // Whatever else the exchange touched (the client registry) belongs to the same request.
    for (const span of trace.filter((span) => span.attributes['messaging.system'] === 'nats')) {
      expect(span.attributes[REQUEST_ID]).toBe(requestId);
    }
  });

  it('names each process latchkey-<service>', async () => {
    // The authorization request asked the client registry; audit events reach the audit service.
    await eventually(
      async () =>
        ['latchkey-gateway', 'latchkey-token', 'latchkey-client-registry'].every((service) =>
          receiver.spans().some((span) => span.service === service),
        ),
      { timeoutMs: 30_000, what: 'spans of the gateway, token and client-registry services' },
    );
  });

  it('sends no secret, code or token, and no query string', () => {
    expectNoSecrets(receiver, flow);
    const authorize = receiver.spans().find((span) => span.name === 'GET /authorize');
    expect(authorize?.attributes['url.query']).toBe('withheld');
  });

  it('makes no spans for probes and scrapes', () => {
    const routes = receiver.spans().map((span) => span.attributes['http.route']);
    expect(routes).not.toContain('/readyz');
    expect(routes).not.toContain('/metrics');
  });
});

/**
 * The embedded platform as `npm start` runs it (dist/apps/embedded/main.js), with a preload that
 * records which OpenTelemetry modules the process loaded.
 */
interface EmbeddedRun {
  /** The OpenTelemetry modules the process loaded. */
  loaded: string[];
  output: string;
  exit: number | string;
}

async function runEmbedded(
  env: Record<string, string>,
  during: (platform: Pick<Platform, 'issuer' | 'adminClient'>) => Promise<void>,
): Promise<EmbeddedRun> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-tracing-'));
  const loadedFile = path.join(dataDir, 'loaded-modules.json');
  const port = await freePort();
  const platform = {
    issuer: `http://127.0.0.1:${port}`,
    adminClient: { id: 'latchkey-admin', secret: randomBytes(32).toString('base64url') },
  };
  const preload = path.join(ROOT, 'test', 'support', 'loaded-modules.js');
  const proc = startProcess('embedded', ['--require', preload, entryOf('embedded')], {
    PORT: String(port),
    ISSUER: platform.issuer,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_CLIENT_ID: platform.adminClient.id,
    ADMIN_CLIENT_SECRET: platform.adminClient.secret,
    LATCHKEY_TEST_LOADED_MODULES: loadedFile,
    ...env,
  });
  try {
    await waitUntilReady(proc, `${platform.issuer}/readyz`);
    await during(platform);
    await stopGracefully(proc);
    return {
      loaded: JSON.parse(readFileSync(loadedFile, 'utf8')) as string[],
      output: proc.output(),
      exit: await proc.exited,
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${proc.output()}`, { cause: err });
  } finally {
    await stopGracefully(proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const isSdkModule = (file: string) => !file.includes('/@opentelemetry/api/');

describe('tracing: embedded mode', () => {
  let receiver: OtlpReceiver;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });

  afterEach(async () => {
    await receiver.stop();
  });

  it('traces across the in-process bus when an endpoint is configured', async () => {
    let flow: Flow | undefined;
    const { loaded } = await runEmbedded(
      { ...TRACE_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      async (platform) => {
        flow = await runFlow(platform);
        const requestId = flow.tokens.tokenRequestId!;
        expectExchangeChain(
          await exchangeTrace(receiver, requestId),
          requestId,
          { gateway: 'latchkey-embedded', token: 'latchkey-embedded' },
          flow.client.client_id,
        );
      },
    );
    expectNoSecrets(receiver, flow!);
    // The preload sees the SDK when it is there: what makes the checks below mean something.
    expect(loaded.filter(isSdkModule)).not.toEqual([]);
  });

  it.each([
    ['by default', {}],
    [
      'with OTEL_SDK_DISABLED=true, even with an endpoint',
      { ...TRACE_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: 'RECEIVER', OTEL_SDK_DISABLED: 'true' },
    ],
  ])('is off %s: sends nothing and loads no SDK', async (_, env: Record<string, string>) => {
    const withReceiver = Object.fromEntries(
      Object.entries(env).map(([key, value]) => [key, value === 'RECEIVER' ? receiver.url : value]),
    );
    const { loaded } = await runEmbedded(withReceiver, async (platform) => {
      await runFlow(platform);
    });
    expect(receiver.bodies()).toEqual([]);
    expect(loaded.filter(isSdkModule)).toEqual([]);
  });

  it('reports a collector it cannot reach in the log, and still serves and stops cleanly', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const run = await runEmbedded(
      { ...TRACE_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: nobody },
      async (platform) => {
        await runFlow(platform);
      },
    );
    expect(run.exit).toBe(0);
    const problems = run.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.msg.startsWith('tracing:'));
    expect(problems).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringContaining('ECONNREFUSED') }),
    );
  });
});
