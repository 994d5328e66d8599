import { STRICT_OUTBOUND_POLICY, type OutboundPolicy } from '@latchkey/oauth';
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
});
