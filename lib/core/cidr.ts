import { Memo } from './memo';

/**
 * IPv4 and IPv6 CIDR blocks: parsing, host-bit checks and containment.
 * Addresses are held as bigints so both families share one code path.
 */

/** An address family. */
export enum IpFamily {
  /** IPv4, 32-bit addresses. */
  IPV4 = 'IPv4',
  /** IPv6, 128-bit addresses. */
  IPV6 = 'IPv6',
}

/** A parsed CIDR block. */
export interface Cidr {
  /** The address family. */
  readonly family: IpFamily;
  /** The first address of the block. */
  readonly network: bigint;
  /** The prefix length. */
  readonly prefix: number;
  /** The canonical text, e.g. `10.0.0.0/8`. */
  readonly text: string;
}

/** The result of parsing a CIDR: the block, or why it is invalid. */
export type CidrParse = { readonly cidr: Cidr; readonly error?: undefined; readonly suggestion?: string } | { readonly cidr?: undefined; readonly error: string; readonly suggestion?: string };

function bits(family: IpFamily): number {
  return family === IpFamily.IPV4 ? 32 : 128;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  let head = groups(halves[0]);
  let tail = halves.length === 2 ? groups(halves[1]) : [];
  const expandV4 = (list: string[]): string[] | undefined => {
    const last = list[list.length - 1];
    if (last === undefined || !last.includes('.')) return list;
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    return [...list.slice(0, -1), ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
  };
  const t = expandV4(halves.length === 2 ? tail : head);
  if (!t) return undefined;
  if (halves.length === 2) tail = t; else head = t;
  const total = head.length + tail.length;
  if (halves.length === 1 && total !== 8) return undefined;
  if (halves.length === 2 && total > 7) return undefined;
  const all = [...head, ...Array<string>(8 - total).fill('0'), ...tail];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

/** Formats an address of the given family. */
export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === IpFamily.IPV4) {
    return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function mask(family: IpFamily, prefix: number): bigint {
  const width = BigInt(bits(family));
  return prefix === 0 ? 0n : ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n);
}

const PARSED = new Memo<CidrParse>();

/**
 * Parses a CIDR block. Host bits must be zero, as Kubernetes and the policy
 * engines require; when they are not, the result carries a suggestion with
 * the network address of the same prefix. Results are remembered: thousands
 * of policies repeat the same few blocks (the internet peer alone has nine).
 */
export function parseCidr(text: string): CidrParse {
  return PARSED.get(text, () => parseCidrText(text));
}

function parseCidrText(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash < 0) return { error: 'has no prefix length', suggestion: `${text}/${text.includes(':') ? 128 : 32}` };
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = addressText.includes(':') ? IpFamily.IPV6 : IpFamily.IPV4;
  const address = family === IpFamily.IPV4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (address === undefined) return { error: `has an invalid ${family} address "${addressText}"` };
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits(family)) {
    return { error: `has an invalid prefix length "${prefixText}" (0-${bits(family)} for ${family})` };
  }
  const prefix = Number(prefixText);
  const network = address & mask(family, prefix);
  const canonical = `${formatAddress(family, network)}/${prefix}`;
  if (network !== address) {
    return { error: 'has host bits set', suggestion: canonical };
  }
  return { cidr: { family, network, prefix, text: canonical } };
}

/** Parses a CIDR block that is known to be valid; throws otherwise. */
export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.cidr) throw new Error(`invalid CIDR ${text}: ${parsed.error}`);
  return parsed.cidr;
}

/** Whether block `outer` contains block `inner` (same family, wider or equal prefix). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family
    && outer.prefix <= inner.prefix
    && (inner.network & mask(outer.family, outer.prefix)) === outer.network;
}

/** Whether two blocks share at least one address. */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** The last address of a block. */
export function cidrLast(block: Cidr): bigint {
  return block.network | ((1n << BigInt(bits(block.family) - block.prefix)) - 1n);
}

/** The private IPv4 ranges of RFC 1918. */
export const RFC1918: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * The RFC 6598 shared address space. EKS custom networking gives pods
 * addresses from secondary VPC blocks in this range (EKS user guide, "Deploy
 * Pods in alternate subnets with custom networking").
 */
export const IPV4_SHARED_ADDRESS_SPACE = '100.64.0.0/10';

/** IPv4 link-local (RFC 3927), which holds the instance metadata service 169.254.169.254. */
export const IPV4_LINK_LOCAL = '169.254.0.0/16';

/** IPv6 unique local addresses (RFC 4193), the IPv6 counterpart of RFC 1918. */
export const IPV6_UNIQUE_LOCAL = 'fc00::/7';

/** IPv6 link-local unicast (RFC 4291), which holds the IPv6 metadata service fd00:ec2::254's neighbours. */
export const IPV6_LINK_LOCAL = 'fe80::/10';

/** The instance metadata service addresses (IPv4 and the Nitro IPv6 endpoint). */
export const INSTANCE_METADATA: readonly string[] = ['169.254.169.254/32', 'fd00:ec2::254/128'];

/**
 * The block of `prefix` bits (at most the family's width) that holds the
 * address `ip`, as canonical CIDR text; undefined when `ip` is not an address.
 */
export function enclosingBlock(ip: string, prefix: number): string | undefined {
  const family = ip.includes(':') ? IpFamily.IPV6 : IpFamily.IPV4;
  const address = family === IpFamily.IPV4 ? parseIpv4(ip) : parseIpv6(ip);
  if (address === undefined) return undefined;
  const width = Math.min(Math.max(prefix, 0), bits(family));
  return `${formatAddress(family, address & mask(family, width))}/${width}`;
}
