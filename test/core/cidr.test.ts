import { cidr, cidrContains, cidrLast, cidrOverlaps, formatAddress, IpFamily, parseCidr, RFC1918 } from '../../lib';

describe('parseCidr', () => {
  test.each([
    ['10.0.0.0/8', '10.0.0.0/8', IpFamily.IPV4],
    ['0.0.0.0/0', '0.0.0.0/0', IpFamily.IPV4],
    ['192.168.1.7/32', '192.168.1.7/32', IpFamily.IPV4],
    ['fd00:ec2::254/128', 'fd00:ec2::254/128', IpFamily.IPV6],
    ['FC00::/7', 'fc00::/7', IpFamily.IPV6],
    ['::/0', '::/0', IpFamily.IPV6],
    ['::ffff:10.0.0.0/104', '::ffff:a00:0/104', IpFamily.IPV6],
  ])('%s parses to %s', (text, canonical, family) => {
    const parsed = parseCidr(text);
    expect(parsed.cidr?.text).toBe(canonical);
    expect(parsed.cidr?.family).toBe(family);
  });

  test('host bits set are an error with the network address as suggestion', () => {
    expect(parseCidr('172.16.5.0/12')).toEqual({ error: 'has host bits set', suggestion: '172.16.0.0/12' });
  });

  test.each([
    ['10.0.0.0', 'has no prefix length'],
    ['10.0.0.256/32', 'has an invalid IPv4 address "10.0.0.256"'],
    ['10.0.0/8', 'has an invalid IPv4 address "10.0.0"'],
    ['010.0.0.0/8', 'has an invalid IPv4 address "010.0.0.0"'],
    ['10.0.0.0/33', 'has an invalid prefix length "33" (0-32 for IPv4)'],
    ['10.0.0.0/-1', 'has an invalid prefix length "-1" (0-32 for IPv4)'],
    ['fe80::1::2/64', 'has an invalid IPv6 address "fe80::1::2"'],
    ['fe80::/129', 'has an invalid prefix length "129" (0-128 for IPv6)'],
  ])('%s is rejected: %s', (text, error) => {
    expect(parseCidr(text).error).toBe(error);
  });
});

describe('containment', () => {
  test('the seed\'s 172.16.0.0/20 covers only part of RFC 1918\'s 172.16.0.0/12', () => {
    const seed = cidr('172.16.0.0/20');
    const rfc = cidr(RFC1918[1]);
    expect(cidrContains(rfc, seed)).toBe(true);
    expect(cidrContains(seed, rfc)).toBe(false);
    expect(cidrContains(seed, cidr('172.20.0.0/16'))).toBe(false);
  });

  test('blocks of different families never overlap', () => {
    expect(cidrOverlaps(cidr('0.0.0.0/0'), cidr('::/0'))).toBe(false);
  });

  test('the last address of a block', () => {
    expect(formatAddress(IpFamily.IPV4, cidrLast(cidr('10.0.0.0/8')))).toBe('10.255.255.255');
    expect(formatAddress(IpFamily.IPV6, cidrLast(cidr('fc00::/7')))).toBe('fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  test('cidr() throws on invalid input', () => {
    expect(() => cidr('nope/8')).toThrow('invalid CIDR nope/8: has an invalid IPv4 address "nope"');
  });
});
