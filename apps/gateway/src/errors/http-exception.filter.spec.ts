import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  NotFoundException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  Conflict,
  OAuthError,
  InsufficientScope,
  InvalidClient,
  InvalidClientMetadata,
  InvalidRequest,
  InvalidToken,
  TemporarilyUnavailable,
} from '@latchkey/oauth';
import { KvUnavailableError } from '@latchkey/kv';
import { DatabaseUnavailableError } from '@latchkey/persistence';
import { BusUnavailableError } from '@latchkey/transport';
import { MethodNotAllowed, MissingBearerToken, TooManyRequests } from '@latchkey/oauth-http';
import { HttpExceptionFilter } from './http-exception.filter';

const ISSUER = 'https://id.example.test';

interface Rendered {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function render(exception: unknown): Rendered {
  const rendered: Rendered = { status: 0, headers: {}, body: undefined };
  const res = {
    headersSent: false,
    // Express gives every response its locals (the error code is noted there for the metrics).
    locals: {},
    setHeader(name: string, value: string) {
      rendered.headers[name.toLowerCase()] = value;
      return res;
    },
    status(status: number) {
      rendered.status = status;
      return res;
    },
    json(body: unknown) {
      rendered.body = body;
      return res;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ headers: {} }) }),
  } as unknown as ArgumentsHost;
  new HttpExceptionFilter(ISSUER).catch(exception, host);
  return rendered;
}

describe('HttpExceptionFilter', () => {
  it('renders every error as RFC 6749 JSON that no cache keeps', () => {
    const answer = render(new InvalidRequest('bad'));
    expect(answer).toEqual({
      status: 400,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
      body: { error: 'invalid_request', error_description: 'bad' },
    });
  });

  it('challenges invalid_client with Basic (RFC 6749 §5.2)', () => {
    const answer = render(new InvalidClient());
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(`Basic realm="${ISSUER}"`);
  });

  describe('Bearer challenges (RFC 6750 §3)', () => {
    it('invalid_token carries the error and its description', () => {
      const answer = render(new InvalidToken('the access token has expired'));
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(
        `Bearer realm="${ISSUER}", error="invalid_token", error_description="the access token has expired"`,
      );
      expect(answer.body).toEqual({
        error: 'invalid_token',
        error_description: 'the access token has expired',
      });
    });

    it('invalid_token rebuilt from the bus (a wrong registration access token) gets it too', () => {
      const answer = render(new InvalidToken());
      expect(answer.headers['www-authenticate']).toBe(
        `Bearer realm="${ISSUER}", error="invalid_token"`,
      );
    });

    it('a request without Bearer credentials gets no error code in the challenge (§3.1)', () => {
      const answer = render(new MissingBearerToken());
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe(`Bearer realm="${ISSUER}"`);
      expect(answer.body).toMatchObject({ error: 'invalid_token' });
    });

    it('insufficient_scope is 403 with the Bearer challenge', () => {
      const answer = render(new InsufficientScope('the access token lacks the admin scope'));
      expect(answer.status).toBe(403);
      expect(answer.headers['www-authenticate']).toBe(
        `Bearer realm="${ISSUER}", error="insufficient_scope", error_description="the access token lacks the admin scope"`,
      );
    });

    it('drops characters a quoted-string or RFC 6750 forbids, so the header cannot be broken', () => {
      const answer = render(new InvalidToken('bad "token"\\\r\nSet-Cookie: x=1 é'));
      expect(answer.headers['www-authenticate']).toBe(
        `Bearer realm="${ISSUER}", error="invalid_token", error_description="bad tokenSet-Cookie: x=1 "`,
      );
    });
  });

  it.each([
    ['invalid_request', new InvalidRequest('x')],
    ['invalid_client_metadata', new InvalidClientMetadata('x')],
    ['conflict', new Conflict()],
  ])('gives %s no challenge', (_code, error) => {
    expect(render(error).headers['www-authenticate']).toBeUndefined();
  });

  it('answers a refused method with 405 and Allow', () => {
    const answer = render(new MethodNotAllowed(['POST']));
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.body).toMatchObject({ error: 'invalid_request' });
  });

  it('answers a backend outage with 503 and Retry-After', () => {
    const answer = render(new TemporarilyUnavailable());
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
  });

  it.each([
    ['the database', new DatabaseUnavailableError('database unavailable: ECONNREFUSED 10.0.0.5')],
    ['the key-value store', new KvUnavailableError('Redis unavailable: max retries')],
    ['the bus', new BusUnavailableError('bus unavailable: no responders')],
  ])('answers an outage of %s, as its library reports it, with a generic 503', (_name, err) => {
    const answer = render(err);
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(answer.body).toEqual(new TemporarilyUnavailable().toJSON());
  });

  it('never reads an outage from a message or an unclassified driver code', () => {
    expect(render(new Error('database unavailable')).status).toBe(500);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(render(refused).status).toBe(500);
  });

  it("maps the framework's own errors to RFC 6749 codes", () => {
    expect(render(new NotFoundException('Cannot GET /x')).body).toMatchObject({
      error: 'not_found',
    });
    expect(render(new BadRequestException()).status).toBe(400);
  });

  it("never echoes a framework error's message (an unknown route names its path and query)", () => {
    const probe = '/nope/<img src=x>?q=%3Cscript%3E';
    const notFound = render(new NotFoundException(`Cannot GET ${probe}`));
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ error: 'not_found', error_description: 'not found' });
    const bad = render(new BadRequestException(`Unexpected token < in "${probe}"`));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain('nope');
  });

  it('answers an unsupported media type as 400 invalid_request (RFC 6749 §5.2)', () => {
    const answer = render(new UnsupportedMediaTypeException('text/x-evil is not supported'));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_request' });
    expect(JSON.stringify(answer.body)).not.toContain('x-evil');
  });

  describe('rate limits: one answer, 429 temporarily_unavailable with Retry-After', () => {
    it.each([
      ['a TooManyRequests', new TooManyRequests(42), '42'],
      ["the framework's own 429", new HttpException('Too Many Requests', 429), '60'],
      ['a 429 rebuilt from the bus', new OAuthError(429, 'temporarily_unavailable'), '60'],
    ])('%s', (_what, error, retryAfter) => {
      const answer = render(error);
      expect(answer.status).toBe(429);
      expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(answer.headers['retry-after']).toBe(retryAfter);
    });
  });

  it('hides anything unexpected behind a generic server_error', () => {
    const answer = render(new Error('password=hunter2 at db.ts:12'));
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    expect(answer.body).toMatchObject({ error: 'server_error' });
  });
});
