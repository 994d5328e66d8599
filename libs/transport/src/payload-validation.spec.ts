import { Controller, type INestMicroservice, Logger } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { id, json, list, object, optional, text, type PayloadRule } from '@latchkey/contracts';
import { InvalidRequest, OAuthError } from '@latchkey/oauth';
import {
  applyBusEnhancers,
  BusClient,
  InProcessBus,
  InProcessClient,
  InProcessServer,
} from '@latchkey/transport';

const RULES: Record<string, PayloadRule> = {
  'test.lookup': object({ client_id: id(256), tags: optional(list(text(16), 3)) }),
  'test.change': object({ client_id: id(256), patch: json() }),
  'test.changed': object({ client_id: id(256) }),
};

const seen: unknown[] = [];

@Controller()
class TestController {
  @MessagePattern('test.lookup')
  lookup(@Payload() request: { client_id: string }) {
    return { found: request.client_id };
  }

  @MessagePattern('test.change')
  change(@Payload() request: { client_id: string }) {
    return { changed: request.client_id };
  }

  @MessagePattern('test.unruled')
  unruled() {
    return { reached: true };
  }

  @EventPattern('test.changed')
  changed(@Payload() event: unknown) {
    seen.push(event);
  }
}

describe('PayloadValidationInterceptor', () => {
  let bus: InProcessBus;
  let server: INestMicroservice;
  let client: BusClient;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    bus = new InProcessBus();
    const moduleRef = await Test.createTestingModule({ controllers: [TestController] }).compile();
    server = moduleRef.createNestMicroservice({
      strategy: new InProcessServer({ service: 'test', bus }),
      logger: false,
    });
    applyBusEnhancers(server, RULES);
    await server.listen();
    client = new BusClient(new InProcessClient({ bus }), { timeoutMs: 1000 });
  });

  afterAll(async () => {
    await client.close();
    await server.close();
    jest.restoreAllMocks();
  });

  const refusal = async (subject: string, payload: unknown): Promise<OAuthError> => {
    const error: unknown = await client.request(subject, payload).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidRequest);
    return error as OAuthError;
  };

  it('hands a well-formed payload to the handler', async () => {
    await expect(
      client.request('test.lookup', { client_id: 'web-app', extra: 1 }),
    ).resolves.toEqual({ found: 'web-app' });
  });

  it.each([
    ['no payload', undefined, /payload must be a JSON object/],
    ['a list', ['web-app'], /payload must be a JSON object/],
    ['a string', 'web-app', /payload must be a JSON object/],
    ['a missing member', {}, /client_id is required/],
    ['a number', { client_id: 42 }, /client_id must be a non-empty string/],
    ['an object', { client_id: { $ne: '' } }, /client_id must be a non-empty string/],
    ['an empty string', { client_id: '' }, /client_id must be a non-empty string/],
    ['a huge string', { client_id: 'c'.repeat(100_000) }, /client_id must be at most 256/],
    ['a NUL byte', { client_id: 'web\u0000app' }, /client_id must not contain control/],
    ['a long list', { client_id: 'a', tags: ['1', '2', '3', '4'] }, /tags must have at most 3/],
    ['a list of objects', { client_id: 'a', tags: [{}] }, /tags items must be a string/],
  ])(
    'answers invalid_request to %s, naming the member but never the value',
    async (_, payload, why) => {
      const error = await refusal('test.lookup', payload);
      expect(error.description).toMatch(why);
      expect(error.description).not.toContain('web');
    },
  );

  it('bounds nested JSON by depth and size', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { deeper: deep };
    expect((await refusal('test.change', { client_id: 'a', patch: deep })).description).toMatch(
      /nested at most/,
    );
    const big = { client_id: 'a', patch: { name: 'x'.repeat(200_000) } };
    expect((await refusal('test.change', big)).description).toMatch(/characters of JSON/);
  });

  it('refuses every message on a subject without a rule (fail closed)', async () => {
    expect((await refusal('test.unruled', {})).description).toMatch(/takes no messages/);
  });

  it('hands a malformed event to its handler as no event at all', async () => {
    seen.length = 0;
    await client.emit('test.changed', { client_id: 7 });
    await client.emit('test.changed', { client_id: 'web-app' });
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; seen.length < 2 && i < 100; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(seen).toEqual([undefined, { client_id: 'web-app' }]);
  });

  it('keeps serving after malformed payloads', async () => {
    await refusal('test.lookup', { client_id: null });
    await expect(client.request('test.lookup', { client_id: 'again' })).resolves.toEqual({
      found: 'again',
    });
  });
});
