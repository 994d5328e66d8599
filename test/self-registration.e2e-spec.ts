import { callPlatform, type CallAnswer, type CallOptions } from './support/http-call';
import { describeEachMode, type Platform } from './support/platform';

/**
 * What a client may do to the server and to other clients by registering itself, over real HTTP
 * in both run modes:
 *  - server-side request forgery: no URI the server calls (backchannel_logout_uri, jwks_uri) may
 *    name a loopback, private or link-local target, whoever registers it (the operator has not
 *    allowed any here). Refusals are asserted from the answer; nothing listens at those targets.
 *  - reach: an initial access token lets a client register as an ordinary relying party unless
 *    the admin's policy on the token says more: no API scopes, client_credentials or
 *    default_resource of its own choosing, hence no token for another API and no introspection
 *    of tokens meant for it.
 */
jest.setTimeout(120_000);

const API = 'https://api.example.test';

interface Credentials {
  id: string;
  secret: string;
}

describeEachMode('self-registration and the URIs the server calls', (platform) => {
  let p: Platform;
  let adminToken: string;

  const call = (method: string, route: string, options: CallOptions) =>
    callPlatform(p.issuer, method, route, options);

  async function clientCredentials(client: Credentials): Promise<CallAnswer> {
    return call('POST', '/token', { basic: client, form: { grant_type: 'client_credentials' } });
  }

  async function initialAccessToken(policy: Record<string, unknown> = {}): Promise<string> {
    const answer = await call('POST', '/admin/initial-access-tokens', {
      token: adminToken,
      json: { max_uses: 10, ...policy },
    });
    expect(answer.status).toBe(201);
    return answer.body.initial_access_token as string;
  }

  const register = (token: string, metadata: unknown) =>
    call('POST', '/register', { token: token, json: metadata });

  function expectRefused(answer: CallAnswer, error = 'invalid_client_metadata') {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status: 400, error });
  }

  beforeAll(async () => {
    p = platform();
    const admin = await clientCredentials(p.adminClient);
    expect(admin.status).toBe(200);
    adminToken = admin.body.access_token as string;
    const resource = await call('POST', '/admin/resources', {
      token: adminToken,
      json: { identifier: API, name: 'Orders API', scopes: ['api:read', 'api:write'] },
    });
    expect(resource.status).toBe(201);
  });

  describe('server-side request forgery', () => {
    const WEB = { redirect_uris: ['https://rp.example.test/cb'] };

    it.each([
      ['backchannel_logout_uri', 'http://127.0.0.1:9/backchannel'],
      ['backchannel_logout_uri', 'http://localhost:9/backchannel'],
      ['backchannel_logout_uri', 'https://169.254.169.254/latest/meta-data'],
      ['backchannel_logout_uri', 'https://10.0.0.7/backchannel'],
      ['backchannel_logout_uri', 'https://[::ffff:127.0.0.1]/backchannel'],
      ['jwks_uri', 'https://127.0.0.1/jwks'],
      ['jwks_uri', 'https://192.168.1.1/jwks'],
    ])('refuses a self-registered %s of %s', async (field, uri) => {
      const token = await initialAccessToken();
      const extra = field === 'jwks_uri' ? { token_endpoint_auth_method: 'private_key_jwt' } : {};
      expectRefused(await register(token, { ...WEB, ...extra, [field]: uri }));
    });

    it('refuses the same URIs from the admin API', async () => {
      for (const backchannel_logout_uri of ['http://127.0.0.1:9/bc', 'https://10.1.2.3/bc']) {
        const answer = await call('POST', '/admin/clients', {
          token: adminToken,
          json: { ...WEB, backchannel_logout_uri },
        });
        expectRefused(answer);
      }
    });

    it('accepts a public https URI', async () => {
      const token = await initialAccessToken();
      const answer = await register(token, {
        ...WEB,
        backchannel_logout_uri: 'https://rp.example.test/backchannel',
      });
      expect(answer.status).toBe(201);
    });
  });

  describe('what a self-registered client may ask for', () => {
    let service: Credentials;
    let serviceToken: string;

    beforeAll(async () => {
      // A client of the API registered by the admin, and a token of it for the API.
      const created = await call('POST', '/admin/clients', {
        token: adminToken,
        json: {
          client_name: 'Order sync',
          grant_types: ['client_credentials'],
          scope: 'api:write',
          default_resource: API,
        },
      });
      expect(created.status).toBe(201);
      service = {
        id: created.body.client_id as string,
        secret: created.body.client_secret as string,
      };
      const issued = await clientCredentials(service);
      expect(issued.status).toBe(200);
      serviceToken = issued.body.access_token as string;
    });

    it("refuses another API's scopes, client_credentials and default_resource by default", async () => {
      const token = await initialAccessToken();
      expectRefused(
        await register(token, {
          grant_types: ['client_credentials'],
          scope: 'api:write',
          default_resource: API,
        }),
      );
      expectRefused(await register(token, { grant_types: ['client_credentials'] }));
      expectRefused(
        await register(token, {
          redirect_uris: ['https://rp.example.test/cb'],
          scope: 'openid api:write',
        }),
      );
      expectRefused(
        await register(token, {
          redirect_uris: ['https://rp.example.test/cb'],
          default_resource: API,
        }),
      );
    });

    it("cannot introspect another client's token, registered the default way", async () => {
      const token = await initialAccessToken();
      const registered = await register(token, {
        redirect_uris: ['https://rp.example.test/cb'],
        scope: 'openid profile',
      });
      expect(registered.status).toBe(201);
      const self = {
        id: registered.body.client_id as string,
        secret: registered.body.client_secret as string,
      };
      const answer = await call('POST', '/introspect', {
        basic: self,
        form: { token: serviceToken },
      });
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 200,
        body: { active: false },
      });
    });

    it('gets what the admin put on its initial access token, and nothing more', async () => {
      const token = await initialAccessToken({
        scope: 'api:read',
        grant_types: ['client_credentials'],
        default_resource: API,
      });
      expectRefused(
        await register(token, { grant_types: ['client_credentials'], scope: 'api:write' }),
      );
      const registered = await register(token, {
        grant_types: ['client_credentials'],
        scope: 'api:read',
        default_resource: API,
      });
      expect(registered.status).toBe(201);
      const self = {
        id: registered.body.client_id as string,
        secret: registered.body.client_secret as string,
      };
      const issued = await clientCredentials(self);
      expect(issued.status).toBe(200);
      expect(issued.body.scope).toBe('api:read');
    });

    it('never lets an initial access token allow admin', async () => {
      const answer = await call('POST', '/admin/initial-access-tokens', {
        token: adminToken,
        json: { scope: 'admin' },
      });
      expectRefused(answer, 'invalid_request');
    });
  });
});
