import { formatClaimsRequest, parseClaimsRequest, RESERVED_CLAIMS, selectClaims } from './claims';
import { InvalidRequest } from './errors/oauth-error';

describe('parseClaimsRequest (OIDC Core §5.5)', () => {
  it('keeps userinfo and id_token members, null or essential/value/values', () => {
    const request = parseClaimsRequest(
      JSON.stringify({
        userinfo: { email: null, locale: { essential: true, extra: 1 } },
        id_token: { acr: { values: ['a', 'b'] }, department: { value: 'Finance' } },
        other: { ignored: null },
      }),
    );
    expect(request).toEqual({
      userinfo: { email: null, locale: { essential: true } },
      id_token: { acr: { values: ['a', 'b'] }, department: { value: 'Finance' } },
    });
    expect(formatClaimsRequest(request)).toBe(JSON.stringify(request));
    expect(formatClaimsRequest(parseClaimsRequest('{}'))).toBeUndefined();
  });

  it.each([
    ['not json', /claims must be a JSON object$/],
    ['[]', /claims must be a JSON object$/],
    ['{"id_token": [1]}', /claims\.id_token must be a JSON object$/],
    ['{"userinfo": {"email": 3}}', /claims\.userinfo members must be null or an object/],
    ['{"userinfo": {"email": {"essential": "yes"}}}', /claims\.userinfo members/],
    ['{"userinfo": {"email": {"values": [{}]}}}', /claims\.userinfo members/],
    ['{"userinfo": {"a b": null}}', /claims\.userinfo names a claim with characters not allowed$/],
    [`{"userinfo": {"x": "${'y'.repeat(5000)}"}}`, /claims must be at most 4096 characters$/],
  ])('refuses %s with invalid_request', (raw, message) => {
    expect(() => parseClaimsRequest(raw)).toThrow(InvalidRequest);
    expect(() => parseClaimsRequest(raw)).toThrow(message);
  });

  it('does not let __proto__ reach a prototype', () => {
    const request = parseClaimsRequest('{"userinfo": {"__proto__": null}}');
    expect(Object.hasOwn(request.userinfo!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('selectClaims', () => {
  const granted = { email: 'a@example.test', department: 'Finance', favorite_color: 'teal' };

  it('gives userinfo, or an ID Token that asks for all, every granted claim', () => {
    expect(selectClaims(granted, 'userinfo', { allGranted: true })).toEqual(granted);
    expect(selectClaims(granted, 'id_token', { allGranted: false })).toEqual({});
  });

  it('picks requested granted claims, never one the scopes did not grant', () => {
    const request = parseClaimsRequest(
      '{"id_token": {"department": {"essential": true}, "phone_number": null}}',
    );
    expect(selectClaims(granted, 'id_token', { allGranted: false, request })).toEqual({
      department: 'Finance',
    });
  });

  it('leaves out a claim whose value is not the requested value or one of the values', () => {
    const request = parseClaimsRequest(
      '{"userinfo": {"favorite_color": {"value": "red"}, "department": {"values": ["Ops", "Finance"]}}}',
    );
    expect(selectClaims(granted, 'userinfo', { allGranted: true, request })).toEqual({
      email: 'a@example.test',
      department: 'Finance',
    });
  });
});

describe('RESERVED_CLAIMS', () => {
  it('holds the protocol and standard claims a mapping could forge', () => {
    for (const claim of [
      'sub',
      'iss',
      'aud',
      'email',
      'email_verified',
      'roles',
      'groups',
      'acr',
    ]) {
      expect(RESERVED_CLAIMS.has(claim)).toBe(true);
    }
    expect(RESERVED_CLAIMS.has('department')).toBe(false);
  });
});
