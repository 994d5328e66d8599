import {
  isValidCidr,
  type OutboundPolicy,
  outboundAddressProblem,
  outboundUrlProblem,
  parseIpAddress,
  specialRangeOf,
  STRICT_OUTBOUND_POLICY,
} from './outbound-url';

const LOOPBACK_ONLY: OutboundPolicy = { allowPrivate: false, allowedCidrs: ['127.0.0.0/8'] };
const ALL_PRIVATE: OutboundPolicy = { allowPrivate: true, allowedCidrs: [] };

describe('outbound URL policy', () => {
  describe('special ranges', () => {
    it.each([
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['fd00::1', 'unique-local'],
      ['fc12:3456::1', 'unique-local'],
      ['100.64.0.1', 'shared (CGNAT)'],
      ['100.127.255.254', 'shared (CGNAT)'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['192.0.2.10', 'documentation'],
      ['2001:db8::1', 'documentation'],
      // IPv4 inside IPv6 is judged by the IPv4 address.
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['64:ff9b::10.0.0.1', 'private'],
      ['2002:a00:1::', 'private'],
      ['::127.0.0.1', 'reserved'],
    ])('%s is %s', (address, kind) => {
      expect(specialRangeOf(parseIpAddress(address)!)).toBe(kind);
    });

    it.each([
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::8.8.8.8',
    ])('%s is public', (address) => {
      expect(specialRangeOf(parseIpAddress(address)!)).toBeUndefined();
    });

    it.each(['127.1', '0x7f.0.0.1', '0177.0.0.1', '1.2.3.256', ':::1', '1::2::3', 'example.com'])(
      'does not take %s for an IP address',
      (text) => expect(parseIpAddress(text)).toBeUndefined(),
    );
  });

  describe('addresses', () => {
    it('refuses every non-public address by default, naming the range', () => {
      expect(outboundAddressProblem('127.0.0.1', 'https', STRICT_OUTBOUND_POLICY)).toBe(
        'is a loopback address, which this server does not call',
      );
      expect(outboundAddressProblem('::ffff:10.0.0.1', 'https', STRICT_OUTBOUND_POLICY)).toMatch(
        /private/,
      );
      expect(outboundAddressProblem('93.184.216.34', 'https', STRICT_OUTBOUND_POLICY)).toBe(
        undefined,
      );
    });

    it('allows what the operator allowed, and only that', () => {
      expect(outboundAddressProblem('127.0.0.1', 'http', LOOPBACK_ONLY)).toBeUndefined();
      expect(outboundAddressProblem('::ffff:127.0.0.1', 'https', LOOPBACK_ONLY)).toBeUndefined();
      expect(outboundAddressProblem('::1', 'https', LOOPBACK_ONLY)).toMatch(/loopback/);
      expect(outboundAddressProblem('10.0.0.1', 'https', LOOPBACK_ONLY)).toMatch(/private/);
      expect(outboundAddressProblem('10.0.0.1', 'https', ALL_PRIVATE)).toBeUndefined();
    });

    it('never sends plain http to a public address', () => {
      expect(outboundAddressProblem('8.8.8.8', 'http', ALL_PRIVATE)).toBe(
        'must use https to reach a public address',
      );
    });
  });

  describe('URLs', () => {
    it('accepts https to a name or a public address', () => {
      expect(outboundUrlProblem('https://rp.example.com/bc', STRICT_OUTBOUND_POLICY)).toBe(
        undefined,
      );
      expect(outboundUrlProblem('https://93.184.216.34/jwks', STRICT_OUTBOUND_POLICY)).toBe(
        undefined,
      );
    });

    it.each([
      ['http://127.0.0.1:8080/bc', 'must use https'],
      ['http://rp.example.com/bc', 'must use https'],
      ['https://127.0.0.1/bc', 'host is a loopback address, which this server does not call'],
      ['https://[::1]/bc', 'host is a loopback address, which this server does not call'],
      ['https://localhost/bc', 'host is a loopback address, which this server does not call'],
      ['https://app.localhost./bc', 'host is a loopback address, which this server does not call'],
      ['https://10.0.0.7/bc', 'host is a private address, which this server does not call'],
      ['https://0x7f.1/bc', 'host is a loopback address, which this server does not call'],
      ['https://2130706433/bc', 'host is a loopback address, which this server does not call'],
      [
        'https://[::ffff:a9fe:a9fe]/x',
        'host is a link-local address, which this server does not call',
      ],
      [
        'https://169.254.169.254/latest/meta-data',
        'host is a link-local address, which this server does not call',
      ],
      ['https://user@rp.example.com/bc', 'must not contain userinfo'],
      ['https://rp.example.com/bc#x', 'must not contain a fragment'],
      ['ftp://rp.example.com/bc', 'must not use the ftp scheme'],
      ['com.example.app:/bc', 'must use https'],
      [42, 'must be a non-empty string'],
    ])('refuses %s by default: %s', (uri, problem) => {
      expect(outboundUrlProblem(uri, STRICT_OUTBOUND_POLICY)).toBe(problem);
    });

    it('lets an operator allow loopback (plain http included) without allowing the rest', () => {
      expect(outboundUrlProblem('http://127.0.0.1:8080/bc', LOOPBACK_ONLY)).toBeUndefined();
      expect(outboundUrlProblem('https://127.0.0.1/bc', LOOPBACK_ONLY)).toBeUndefined();
      expect(outboundUrlProblem('http://10.0.0.7/bc', LOOPBACK_ONLY)).toMatch(/private/);
      expect(outboundUrlProblem('http://8.8.8.8/bc', LOOPBACK_ONLY)).toBe(
        'host must use https to reach a public address',
      );
      // A name is judged by what it resolves to, when the call is made.
      expect(outboundUrlProblem('http://rp.internal/bc', LOOPBACK_ONLY)).toBeUndefined();
    });
  });

  it('validates CIDRs strictly', () => {
    for (const ok of ['127.0.0.0/8', '10.0.0.0/8', '::1/128', 'fd00::/8', '0.0.0.0/0']) {
      expect(isValidCidr(ok)).toBe(true);
    }
    for (const bad of ['127.0.0.1', '10.0.0.1/8', '10.0.0.0/33', '::1/129', 'x/8', '10.0.0.0/08']) {
      expect(isValidCidr(bad)).toBe(false);
    }
  });
});
