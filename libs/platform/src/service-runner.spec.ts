import { Controller, Get, Module, Post, Req, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { oauthErrorBody } from '@latchkey/testing';
import type { Request } from 'express';
import type { Server } from 'node:http';
import request from 'supertest';
import { PlatformModule } from './platform.module';
import { startService } from './service-runner';

@Controller()
class EchoController {
  @Get('whoami')
  whoami(@Req() req: Request) {
    return { ip: req.ip, protocol: req.protocol, hostname: req.hostname };
  }

  @Post('echo')
  echo(@Req() req: Request) {
    return { body: req.body as unknown };
  }
}

@Module({
  imports: [
    PlatformModule.forRoot({ service: 'gateway', logLevel: 'silent', httpEndpoints: false }),
  ],
  controllers: [EchoController],
})
class EchoModule {}

/** What EchoController's whoami answers. */
const whoami = (res: request.Response) =>
  res.body as { ip: string; protocol: string; hostname: string };

async function start(env: Record<string, string>): Promise<INestApplication> {
  return startService({
    service: Services.Gateway,
    module: { module: EchoModule },
    config: loadConfig({ LOG_LEVEL: 'silent', ...env }),
    httpPort: 0,
    host: '127.0.0.1',
  });
}

describe('startService: HTTP edge', () => {
  describe('without TRUSTED_PROXIES', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await start({});
    });
    afterAll(() => app.close());

    it('ignores X-Forwarded-* from any peer, loopback and private networks included', async () => {
      const res = await request(app.getHttpServer() as Server)
        .get('/whoami')
        .set('X-Forwarded-For', '203.0.113.7')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'evil.example');
      expect(res.status).toBe(200);
      expect(whoami(res).ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(whoami(res).protocol).toBe('http');
      expect(whoami(res).hostname).not.toBe('evil.example');
    });

    it.each([
      [
        'an unsupported charset',
        { 'Content-Type': 'application/x-www-form-urlencoded; charset=foo' },
      ],
      ['a UTF-16 charset', { 'Content-Type': 'application/json; charset=utf-16' }],
      [
        'an unsupported Content-Encoding',
        { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'x-unknown' },
      ],
      ['malformed JSON', { 'Content-Type': 'application/json' }],
    ])('answers a body refused for %s with 400 invalid_request, not 415', async (_why, headers) => {
      const res = await request(app.getHttpServer() as Server)
        .post('/echo')
        .set(headers)
        .send('a=<b>{');
      expect(res.status).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description: 'malformed request body',
      });
    });

    it('keeps 413 for a body over the limit', async () => {
      const res = await request(app.getHttpServer() as Server)
        .post('/echo')
        .type('form')
        .send(`a=${'x'.repeat(70 * 1024)}`);
      expect(res.status).toBe(413);
      expect(oauthErrorBody(res).error).toBe('invalid_request');
    });
  });

  describe('with TRUSTED_PROXIES naming the proxy', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await start({ TRUSTED_PROXIES: '127.0.0.1, ::1' });
    });
    afterAll(() => app.close());

    it('takes the client address and scheme from the proxy', async () => {
      const res = await request(app.getHttpServer() as Server)
        .get('/whoami')
        .set('X-Forwarded-For', '198.51.100.1, 203.0.113.7')
        .set('X-Forwarded-Proto', 'https');
      expect(whoami(res).ip).toBe('203.0.113.7');
      expect(whoami(res).protocol).toBe('https');
    });
  });

  describe('with TRUSTED_PROXIES naming another network', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await start({ TRUSTED_PROXIES: '10.0.0.0/8' });
    });
    afterAll(() => app.close());

    it('ignores X-Forwarded-For from a peer outside it', async () => {
      const res = await request(app.getHttpServer() as Server)
        .get('/whoami')
        .set('X-Forwarded-For', '203.0.113.7');
      expect(whoami(res).ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    });
  });
});
