/**
 * Which webhook endpoints the registry may call, against server-side request forgery: a sponsor must not
 * be able to make the registry reach into its own network (the database, Redis, a cloud metadata service).
 * The URL must be https, name a host without credentials, and every address the host resolves to must be
 * public: not private, loopback, link-local, carrier-grade NAT, unique-local, multicast or unspecified. The
 * same address check runs again on the address actually connected to at each delivery, so a DNS answer that
 * changes after registration (DNS rebinding) is refused then.
 *
 * A deployment may allow a list of hosts (WEBHOOK_ALLOWED_HOSTS): those skip the address check, and outside
 * production may be plain http (the tests run a receiver on 127.0.0.1).
 */
export type EndpointUrlCheck =
  { allowed: true; url: URL; host: string; allowListed: boolean } | { allowed: false; rule: string };

export interface EndpointPolicy {
  /** Host names or addresses (lower case) exempt from the address check. */
  allowedHosts: readonly string[];
  /** Whether allow-listed hosts may use http (never in production). */
  httpForAllowedHosts: boolean;
}

/** The URL rules that need no DNS: scheme, credentials, length, and whether the host is allow-listed. */
export function checkEndpointUrl(text: string, policy: EndpointPolicy): EndpointUrlCheck {
  if (text.length > 2048) return { allowed: false, rule: 'url must be at most 2048 characters' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { allowed: false, rule: 'url must be an absolute URL' };
  }
  if (url.username || url.password) return { allowed: false, rule: 'url must not carry credentials' };
  if (url.hash) return { allowed: false, rule: 'url must not have a fragment' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const allowListed = policy.allowedHosts.includes(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowListed && policy.httpForAllowedHosts))
    return { allowed: false, rule: 'url must use https' };
  return { allowed: true, url, host, allowListed };
}

/** Address ranges no webhook may reach (CIDR), from RFC 6890's special-purpose registries. */
const FORBIDDEN_IPV4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
];

function ipv4ToNumber(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function inIpv4Range(value: number, [base, bits]: [string, number]): boolean {
  const size = 2 ** (32 - bits);
  const start = ipv4ToNumber(base)!;
  return value >= start && value < start + size;
}

/** The 8 groups of an IPv6 address as numbers, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().split('%')[0];
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = ipv4ToNumber(tail[1]);
    if (v4 === null) return null;
    text = `${text.slice(0, -tail[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/** Why an address may not be called, or null when it is a public address. Unparseable text is refused. */
export function forbiddenAddressReason(address: string): string | null {
  const v4 = ipv4ToNumber(address);
  if (v4 !== null)
    return FORBIDDEN_IPV4.some((range) => inIpv4Range(v4, range))
      ? 'a private or reserved IPv4 address'
      : null;
  const groups = ipv6Groups(address);
  if (groups === null) return 'not an IP address';
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
  if (groups.every((g) => g === 0)) return 'the unspecified IPv6 address';
  if (groups.slice(0, 7).every((g) => g === 0) && g7 === 1) return 'the IPv6 loopback address';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses: judged as the IPv4 address they carry.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) {
    const v4Text = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join('.');
    return forbiddenAddressReason(v4Text) === null ? null : 'an IPv4-mapped private or reserved address';
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'a unique-local IPv6 address';
  if ((g0 & 0xffc0) === 0xfe80) return 'a link-local IPv6 address';
  if ((g0 & 0xff00) === 0xff00) return 'a multicast IPv6 address';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'a documentation IPv6 address';
  if (g0 === 0x0064 && g1 === 0xff9b) return 'a NAT64 address';
  return null;
}
