import { mergedGroups } from './federated-accounts.service';

describe('mergedGroups (an upstream link’s groups in the local user’s groups)', () => {
  it('replaces what the link brought last time, keeping the groups an admin gave', () => {
    expect(
      mergedGroups(['staff', 'engineers', 'analysts'], ['engineers', 'analysts'], ['ops']),
    ).toEqual(['staff', 'ops']);
  });

  it('adds the first sign-in’s groups to the user’s own, once each', () => {
    expect(mergedGroups(['staff'], [], ['staff', 'engineers'])).toEqual(['staff', 'engineers']);
  });

  it('drops every mapped group when the upstream maps none any more', () => {
    expect(mergedGroups(['staff', 'engineers'], ['engineers'], [])).toEqual(['staff']);
  });
});
