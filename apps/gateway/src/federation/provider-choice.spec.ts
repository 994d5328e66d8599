import type { IdentityProviderRecord } from '@latchkey/contracts';
import {
  hintedProvider,
  homeRealmProvider,
  providersForClient,
  readIdpHint,
} from './provider-choice';

const provider = (id: string, extra: Partial<IdentityProviderRecord> = {}) =>
  ({ id, client_ids: null, domains: [], ...extra }) as IdentityProviderRecord;

describe('provider choice', () => {
  const corp = provider('corp', { domains: ['corp.example'] });
  const partner = provider('partner', { client_ids: ['app-b'], domains: ['partner.example'] });
  const twin = provider('twin', { domains: ['corp.example'], client_ids: ['app-c'] });
  const all = [corp, partner, twin];

  it('offers global providers and those enabled for the client', () => {
    expect(providersForClient(all, 'app-a').map((p) => p.id)).toEqual(['corp']);
    expect(providersForClient(all, 'app-b').map((p) => p.id)).toEqual(['corp', 'partner']);
  });

  it('reads idp_hint, else kc_idp_hint, and ignores a hint no provider id could be', () => {
    expect(readIdpHint({ idp_hint: 'corp', kc_idp_hint: 'other' })).toBe('corp');
    expect(readIdpHint({ kc_idp_hint: 'corp' })).toBe('corp');
    expect(readIdpHint({ idp_hint: 'Corp/../x' })).toBeUndefined();
    expect(readIdpHint({})).toBeUndefined();
  });

  it('routes a hint only to a provider offered to the client', () => {
    const offered = providersForClient(all, 'app-a');
    expect(hintedProvider(offered, 'corp')).toBe(corp);
    expect(hintedProvider(offered, 'partner')).toBeUndefined();
    expect(hintedProvider(offered, undefined)).toBeUndefined();
  });

  it('routes an e-mail domain to the one provider serving it, case-insensitively', () => {
    expect(homeRealmProvider([corp, partner], 'alice@Corp.Example')).toBe(corp);
    expect(homeRealmProvider([corp, partner], 'alice@elsewhere.example')).toBeUndefined();
    expect(homeRealmProvider([corp, partner], 'alice')).toBeUndefined();
    expect(homeRealmProvider([corp, partner], 'alice@')).toBeUndefined();
  });

  it('routes nowhere when two offered providers claim the domain', () => {
    expect(homeRealmProvider([corp, twin], 'alice@corp.example')).toBeUndefined();
  });
});
