import type { TokenRequest } from '@latchkey/contracts';
import {
  InvalidClient,
  InvalidRequest,
  TemporarilyUnavailable,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '@latchkey/oauth';
import { expectOAuthRejection } from '@latchkey/testing';
import type { ClientAuthenticator } from '../client-auth/client-authenticator.service';
import { clientRecord } from '../fixtures/registry.fixture';
import type { GrantContext, GrantHandler } from './grant-handler';
import { TokenEndpointService } from './token-endpoint.service';

describe('TokenEndpointService', () => {
  const client = clientRecord({ grant_types: ['client_credentials'] });
  let authenticate: jest.Mock;
  let handled: GrantContext[];
  let endpoint: TokenEndpointService;

  beforeEach(() => {
    authenticate = jest.fn(async () => ({ client, method: 'client_secret_basic' }));
    handled = [];
    const grant: GrantHandler = {
      grantType: 'client_credentials',
      handle: async (context) => {
        handled.push(context);
        return { access_token: 'at', token_type: 'Bearer', expires_in: 60 };
      },
    };
    endpoint = new TokenEndpointService({ authenticate } as unknown as ClientAuthenticator, [
      grant,
    ]);
  });

  const request = (params: TokenRequest['params'], extra: Partial<TokenRequest> = {}) =>
    endpoint.handle({ params, authorization: 'Basic abc', ip: '127.0.0.1', ...extra });

  it('authenticates the client and dispatches to the grant handler', async () => {
    const response = await request({ grant_type: 'client_credentials', scope: 'a' });
    expect(response.access_token).toBe('at');
    expect(authenticate).toHaveBeenCalledWith(
      expect.objectContaining({
        authorization: 'Basic abc',
        params: { grant_type: 'client_credentials', scope: 'a' },
        endpoint: 'token',
      }),
    );
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({
      client,
      method: 'client_secret_basic',
      params: { grant_type: 'client_credentials', scope: 'a' },
      request: { ip: '127.0.0.1' },
    });
  });

  it('requires grant_type before anything else', async () => {
    await expectOAuthRejection(
      request({ scope: 'a' }),
      InvalidRequest,
      'invalid_request',
      /grant_type is required/,
    );
    await expectOAuthRejection(request({ grant_type: '' }), InvalidRequest, 'invalid_request');
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('refuses a repeated grant_type', async () => {
    await expectOAuthRejection(
      request({ grant_type: ['client_credentials', 'client_credentials'] }),
      InvalidRequest,
      'invalid_request',
      /grant_type must not be repeated/,
    );
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('refuses a request without form parameters', async () => {
    for (const params of [undefined, null, 'grant_type=x', ['a']]) {
      await expectOAuthRejection(
        endpoint.handle({ params } as unknown as TokenRequest),
        InvalidRequest,
        'invalid_request',
      );
    }
  });

  it('passes client authentication failures on unchanged', async () => {
    authenticate.mockRejectedValueOnce(new InvalidClient());
    await expectOAuthRejection(
      request({ grant_type: 'client_credentials' }),
      InvalidClient,
      'invalid_client',
    );
    authenticate.mockRejectedValueOnce(new TemporarilyUnavailable());
    await expectOAuthRejection(
      request({ grant_type: 'client_credentials' }),
      TemporarilyUnavailable,
      'temporarily_unavailable',
    );
    expect(handled).toHaveLength(0);
  });

  it.each([
    'password',
    'authorization_code',
    'refresh_token',
    'urn:ietf:params:oauth:grant-type:device_code',
  ])(
    'answers unsupported_grant_type for %s (after authenticating the client)',
    async (grantType) => {
      await expectOAuthRejection(
        request({ grant_type: grantType }),
        UnsupportedGrantType,
        'unsupported_grant_type',
      );
      expect(authenticate).toHaveBeenCalledTimes(1);
    },
  );

  it('refuses a client not registered for the grant with unauthorized_client', async () => {
    authenticate.mockResolvedValueOnce({
      client: clientRecord({ grant_types: ['authorization_code'] }),
      method: 'client_secret_basic',
    });
    await expectOAuthRejection(
      request({ grant_type: 'client_credentials' }),
      UnauthorizedClient,
      'unauthorized_client',
      /not registered for this grant_type/,
    );
    expect(handled).toHaveLength(0);
  });
});
