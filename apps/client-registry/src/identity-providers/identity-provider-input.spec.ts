import { STRICT_OUTBOUND_POLICY, type OutboundPolicy } from '@latchkey/oauth';
import { generateKeyPairSync } from 'node:crypto';
import { validateIdentityProvider, validateIdentityProviderPatch } from './identity-provider-input';

const LOOPBACK: OutboundPolicy = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] };

const oidc = {
  id: 'corp',
  kind: 'oidc',
  issuer: 'https://login.corp.example',
  client_id: 'latchkey',
  client_secret: 's3cret',
};

describe('identity provider input', () => {
  it('fills the defaults of an OpenID Connect provider and takes the secret apart', () => {
    const { provider, clientSecret } = validateIdentityProvider(oidc, STRICT_OUTBOUND_POLICY);
    expect(clientSecret).toBe('s3cret');
    expect(provider).toMatchObject({
      id: 'corp',
      display_name: 'corp',
      enabled: true,
      client_ids: null,
      scopes: ['openid', 'profile', 'email'],
      subject_claim: 'sub',
      use_userinfo: false,
      link_by_verified_email: false,
      client_auth_method: 'client_secret_basic',
    });
    expect(provider).not.toHaveProperty('client_secret');
  });

  it('always asks openid of an OpenID Connect provider', () => {
    const { provider } = validateIdentityProvider({ ...oidc, scopes: ['email'] }, LOOPBACK);
    expect(provider.scopes).toEqual(['openid', 'email']);
  });

  it.each([
    [{ ...oidc, id: 'Corp' }, /id must be/],
    [{ ...oidc, kind: 'saml' }, /kind must be/],
    [{ ...oidc, issuer: undefined }, /issuer is required/],
    [{ ...oidc, issuer: 'http://login.corp.example' }, /issuer/],
    [{ ...oidc, issuer: 'https://127.0.0.1' }, /issuer/],
    [{ ...oidc, domains: ['not a domain'] }, /domains/],
    [{ ...oidc, claim_mapping: { role: 'x' } }, /claim_mapping may only name/],
    [{ ...oidc, client_auth_method: 'none' }, /client_auth_method/],
    [{ id: 'gh', kind: 'oauth2', client_id: 'x' }, /authorization_endpoint is required/],
  ])('refuses %j', (input, message) => {
    expect(() => validateIdentityProvider(input, STRICT_OUTBOUND_POLICY)).toThrow(message);
  });

  it('calls a loopback issuer only where the outbound policy allows it', () => {
    const local = { ...oidc, issuer: 'http://127.0.0.1:8080' };
    expect(() => validateIdentityProvider(local, STRICT_OUTBOUND_POLICY)).toThrow();
    expect(validateIdentityProvider(local, LOOPBACK).provider.issuer).toBe('http://127.0.0.1:8080');
  });

  it('patches: the id is fixed, an absent secret keeps the stored one, null removes it', () => {
    const { provider } = validateIdentityProvider(oidc, STRICT_OUTBOUND_POLICY);
    expect(() =>
      validateIdentityProviderPatch(provider, { id: 'other' }, STRICT_OUTBOUND_POLICY),
    ).toThrow(/id cannot be changed/);
    const kept = validateIdentityProviderPatch(
      provider,
      { display_name: 'Corp' },
      STRICT_OUTBOUND_POLICY,
    );
    expect(kept.clientSecret).toBeUndefined();
    expect(kept.provider.display_name).toBe('Corp');
    const removed = validateIdentityProviderPatch(
      provider,
      { client_secret: null },
      STRICT_OUTBOUND_POLICY,
    );
    expect(removed.clientSecret).toBeNull();
  });

  describe('an ldap provider', () => {
    const ldap = {
      id: 'corp-ldap',
      kind: 'ldap',
      bind_password: 'bind-s3cret',
      ldap: {
        url: 'ldaps://ldap.corp.example',
        bind_dn: 'cn=latchkey,ou=services,dc=corp',
        user_search_base: 'ou=people,dc=corp',
      },
    };

    it('fills the directory defaults and takes the bind password apart', () => {
      const { provider, clientSecret } = validateIdentityProvider(ldap, STRICT_OUTBOUND_POLICY);
      expect(clientSecret).toBe('bind-s3cret');
      expect(provider).toMatchObject({
        kind: 'ldap',
        client_id: null,
        scopes: [],
        use_userinfo: false,
        subject_claim: 'entryUUID',
        claim_mapping: { email: 'mail', name: 'cn', preferred_username: 'uid', groups: 'memberOf' },
        ldap: {
          url: 'ldaps://ldap.corp.example',
          start_tls: false,
          tls_ca: null,
          user_search_filter: '(uid={username})',
          group_search_base: null,
          group_search_filter: '(member={dn})',
          timeout_ms: 5000,
        },
      });
    });

    it.each([
      [{ ldap: { url: 'ldap://ldap.corp.example' } }, /start_tls/],
      [{ ldap: { url: 'ldaps://ldap.corp.example', start_tls: true } }, /start_tls applies/],
      [{ ldap: { url: 'https://ldap.corp.example' } }, /ldap.url must be/],
      [{ ldap: { url: 'ldaps://ldap.corp.example/dc=corp??sub' } }, /ldap.url must be/],
      [{ ldap: { url: 'ldaps://10.0.0.5' } }, /ldap.url/],
      [{ ldap: { bind_dn: undefined } }, /bind_dn is required/],
      [{ ldap: { user_search_filter: '(cn=*)' } }, /must contain \{username\}/],
      [{ ldap: { user_search_filter: '(uid={username}' } }, /RFC 4515/],
      [{ ldap: { group_search_filter: '(member=x)' } }, /must contain \{dn\}/],
      [{ ldap: { tls_ca: 'not a certificate' } }, /tls_ca/],
      [{ ldap: { timeout_ms: 10 } }, /timeout_ms/],
      [{ client_secret: 'x' }, /client_secret does not apply/],
      [{ client_id: 'latchkey' }, /client_id does not apply/],
      [{ token_endpoint: 'https://ldap.corp.example/token' }, /token_endpoint does not apply/],
    ])('refuses %j', (change, message) => {
      const input = {
        ...ldap,
        ...change,
        ldap: { ...ldap.ldap, ...(change as { ldap?: object }).ldap },
      };
      expect(() => validateIdentityProvider(input, STRICT_OUTBOUND_POLICY)).toThrow(message);
    });

    it('refuses settings of a directory on another kind', () => {
      expect(() =>
        validateIdentityProvider({ ...oidc, ldap: ldap.ldap }, STRICT_OUTBOUND_POLICY),
      ).toThrow(/ldap applies to an ldap provider only/);
    });

    it('patches the directory settings field by field, and the bind password alone', () => {
      const { provider } = validateIdentityProvider(ldap, STRICT_OUTBOUND_POLICY);
      const patched = validateIdentityProviderPatch(
        provider,
        { ldap: { timeout_ms: 2000 }, bind_password: 'new' },
        STRICT_OUTBOUND_POLICY,
      );
      expect(patched.clientSecret).toBe('new');
      expect(patched.provider.ldap).toMatchObject({
        url: 'ldaps://ldap.corp.example',
        bind_dn: 'cn=latchkey,ou=services,dc=corp',
        timeout_ms: 2000,
      });
    });
  });

  describe('private_key_jwt at the upstream', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { client_secret: _secret, ...withoutSecret } = oidc;
    const jwt = {
      ...withoutSecret,
      client_auth_method: 'private_key_jwt',
      private_jwk: privateKey.export({ format: 'jwk' }),
    };

    it('keeps the private JWK as the sealed secret', () => {
      const { clientSecret } = validateIdentityProvider(jwt, STRICT_OUTBOUND_POLICY);
      expect(JSON.parse(clientSecret!)).toEqual(jwt.private_jwk);
    });

    it.each([
      ['a public key', { private_jwk: publicKey.export({ format: 'jwk' }) }, /private_jwk must be/],
      ['a broken key', { private_jwk: { kty: 'EC', crv: 'P-256', d: 'x' } }, /private_jwk must/],
      [
        'a client secret instead',
        { private_jwk: undefined, client_secret: 's' },
        /takes private_jwk/,
      ],
    ])('refuses %s', (_what, change, message) => {
      const input = Object.fromEntries(
        Object.entries({ ...jwt, ...change }).filter(([, v]) => v !== undefined),
      );
      expect(() => validateIdentityProvider(input, STRICT_OUTBOUND_POLICY)).toThrow(message);
    });
  });
});
