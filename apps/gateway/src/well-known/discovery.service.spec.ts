import { DiscoveryService } from './discovery.service';

describe('DiscoveryService', () => {
  const document = new DiscoveryService('https://id.example.test').document();

  it('lists the token endpoint, how clients authenticate there, and the grants it serves', () => {
    expect(document).toMatchObject({
      issuer: 'https://id.example.test',
      token_endpoint: 'https://id.example.test/token',
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
      grant_types_supported: ['client_credentials'],
      registration_endpoint: 'https://id.example.test/register',
    });
  });

  it('lists nothing that is not served yet, and never the internal admin scope', () => {
    for (const absent of [
      'authorization_endpoint',
      'userinfo_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'end_session_endpoint',
      'scopes_supported',
    ]) {
      expect(document).not.toHaveProperty(absent);
    }
    expect(JSON.stringify(document)).not.toContain('"admin"');
  });
});
