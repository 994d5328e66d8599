import type { ClaimScopeView } from '@latchkey/contracts';
import type { ClaimScopesCache } from '@latchkey/registry-client';
import { DiscoveryService } from './discovery.service';

function claimScope(
  name: string,
  isPublic: boolean,
  claims: Record<string, string>,
): ClaimScopeView {
  const at = '2030-01-01T00:00:00.000Z';
  return { name, description: null, claims, public: isPublic, created_at: at, updated_at: at };
}

function discovery(scopes: ClaimScopeView[] = []): DiscoveryService {
  const cache = { all: async () => new Map(scopes.map((s) => [s.name, s])) };
  return new DiscoveryService('https://id.example.test', cache as unknown as ClaimScopesCache);
}

describe('DiscoveryService', () => {
  let document: Readonly<Record<string, unknown>>;

  beforeAll(async () => {
    document = await discovery().document();
  });

  it('lists the public claim scopes and their claims, never the others (§7)', async () => {
    const listed = await discovery([
      claimScope('user_profile', true, { department: 'department' }),
      claimScope('internal', false, { cost_center: 'cost_center' }),
    ]).document();
    expect(listed.scopes_supported).toEqual([
      'openid',
      'profile',
      'email',
      'address',
      'phone',
      'offline_access',
      'groups',
      'user_profile',
    ]);
    expect(listed.claims_supported).toEqual(expect.arrayContaining(['department', 'groups']));
    expect(listed.claims_supported).not.toContain('cost_center');
    expect(listed.claims_parameter_supported).toBe(true);
  });

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
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      registration_endpoint: 'https://id.example.test/register',
    });
  });

  it('lists the authorization and userinfo endpoints and what the code flow supports', () => {
    expect(document).toMatchObject({
      authorization_endpoint: 'https://id.example.test/authorize',
      userinfo_endpoint: 'https://id.example.test/userinfo',
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
      authorization_response_iss_parameter_supported: true,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    });
    expect(document.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'auth_time', 'nonce', 'email', 'preferred_username']),
    );
  });

  it("lists revocation (RFC 7009) with the token endpoint's client authentication, none included", () => {
    expect(document).toMatchObject({
      revocation_endpoint: 'https://id.example.test/revoke',
      revocation_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'none',
      ],
      revocation_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    });
  });

  it('lists introspection (RFC 7662) for confidential clients only', () => {
    expect(document).toMatchObject({
      introspection_endpoint: 'https://id.example.test/introspect',
      introspection_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ],
      introspection_endpoint_auth_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    });
  });

  it('lists the end-session endpoint and back-channel logout with sid', () => {
    expect(document).toMatchObject({
      end_session_endpoint: 'https://id.example.test/logout',
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    });
  });

  it('lists nothing that is not served, and never the internal admin scope', () => {
    // Not standard metadata (RFC 9701 defines no discovery member for it), so not invented.
    expect(document).not.toHaveProperty('introspection_signing_alg_values_supported');
    expect(document).not.toHaveProperty('frontchannel_logout_supported');
    expect(JSON.stringify(document)).not.toContain('"admin"');
  });
});
