import {
  AuditSubjects,
  BroadcastEvents,
  ClaimScopeSubjects,
  ClientSubjects,
  IdentityProviderSubjects,
  PAYLOAD_RULES,
  payloadProblem,
  ResourceSubjects,
  TokenSubjects,
  UserSubjects,
} from './index';

const SUBJECTS = [
  ...Object.values(TokenSubjects),
  ...Object.values(ClientSubjects),
  ...Object.values(ResourceSubjects),
  ...Object.values(ClaimScopeSubjects),
  ...Object.values(UserSubjects),
  ...Object.values(IdentityProviderSubjects),
  ...Object.values(AuditSubjects),
  ...Object.values(BroadcastEvents),
];

describe('PAYLOAD_RULES', () => {
  it('has exactly one rule per subject of the wire contract', () => {
    expect(Object.keys(PAYLOAD_RULES).sort()).toEqual([...SUBJECTS].sort());
  });

  it('lets the messages the services send through', () => {
    const ok: [string, unknown][] = [
      [TokenSubjects.Request, { params: { grant_type: 'x', scope: ['a', 'b'] }, ip: '::1' }],
      [
        TokenSubjects.Introspect,
        { params: { token: 't' }, authorization: 'Basic x', want_jwt: true },
      ],
      [TokenSubjects.Jwks, undefined],
      [
        TokenSubjects.IssueCode,
        {
          client_id: 'c',
          redirect_uri: 'https://a/cb',
          scope: 'openid',
          sub: 'u',
          auth_time: 1,
          sid: 's',
          nonce: null,
          amr: ['pwd'],
        },
      ],
      [ClientSubjects.Update, { client_id: 'c', patch: { disabled: true } }],
      [ClientSubjects.List, {}],
      [AuditSubjects.Ingest, { id: 'e', type: 'token.issued', data: { client_id: 'c' } }],
      [BroadcastEvents.ClientChanged, { client_id: 'c', change: 'deleted' }],
    ];
    for (const [subject, payload] of ok) {
      expect([subject, payloadProblem(PAYLOAD_RULES[subject]!, payload)]).toEqual([
        subject,
        undefined,
      ]);
    }
  });

  it('refuses form parameters that are not strings, and too many of them', () => {
    const rule = PAYLOAD_RULES[TokenSubjects.Request]!;
    expect(payloadProblem(rule, { params: { code: { nested: 1 } } })).toMatch(/params members/);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, 'v']));
    expect(payloadProblem(rule, { params: many })).toMatch(/at most 100 members/);
    expect(payloadProblem(rule, { params: {}, authorization: 5 })).toMatch(/authorization/);
  });
});
