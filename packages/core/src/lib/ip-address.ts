/**
 * What an IP address or URL host names: loopback, private (not reachable from the public
 * Internet, or not a unicast host at all), or public. Used to refuse outbound requests a client
 * can aim at internal services (server-side request forgery).
 *
 * @module
 */

/** `loopback`: this machine; `private`: any other non-public address; `public`: everything else. */
export type AddressKind = 'public' | 'loopback' | 'private';

/** The four octets of a dotted-quad IPv4 address, or `null`. */
function ipv4Octets(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/**
 * The eight 16-bit groups of an IPv6 address (brackets, a zone `%…` and a trailing dotted IPv4
 * part allowed), or `null`.
 */
function ipv6Groups(text: string): number[] | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':') || !/^[0-9a-f:.]+$/i.test(s)) return null;
  const tailV4 = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (tailV4) {
    const octets = ipv4Octets(tailV4[1]!);
    if (!octets) return null;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    s = `${s.slice(0, s.length - tailV4[1]!.length)}${hex(octets[0]!, octets[1]!)}:${hex(octets[2]!, octets[3]!)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const part = (p: string | undefined) => (p ? p.split(':') : []);
  const left = part(halves[0]);
  const right = part(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  if (all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

function ipv4Kind([a, b, c]: number[]): AddressKind {
  if (a === 127) return 'loopback';
  if (a === 0 || a === 10 || a! >= 224) return 'private'; // this network, RFC 1918, multicast and reserved
  if (a === 100 && b! >= 64 && b! <= 127) return 'private'; // shared address space (CGNAT)
  if (a === 169 && b === 254) return 'private'; // link-local (cloud metadata services live here)
  if (a === 172 && b! >= 16 && b! <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'private'; // IETF protocol assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return 'private'; // 6to4 relay anycast
  if (a === 198 && (b === 18 || b === 19)) return 'private'; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'private'; // TEST-NET-2, -3
  return 'public';
}

function ipv6Kind(g: number[]): AddressKind {
  const v4 = (hi: number, lo: number) => ipv4Kind([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (g.slice(0, 7).every((x) => x === 0)) return g[7] === 1 ? 'loopback' : 'private'; // ::1, ::
  // IPv4-compatible ::a.b.c.d (deprecated) and IPv4-mapped ::ffff:a.b.c.d: the IPv4 address decides.
  if (g.slice(0, 6).every((x) => x === 0) || (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)) return v4(g[6]!, g[7]!);
  // IPv4-translated ::ffff:0:a.b.c.d and NAT64 64:ff9b::/96: the IPv4 address decides.
  if (
    (g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0) ||
    (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
  ) {
    return v4(g[6]!, g[7]!);
  }
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4 2002:a.b.c.d::/48
  if (g[0] === 0x64 && g[1] === 0xff9b) return 'private'; // local-use NAT64 64:ff9b:1::/48
  if (g[0] === 0x2001 && g[1] === 0) return 'private'; // Teredo: tunnels to an obfuscated IPv4 address
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return 'private'; // discard-only 100::/64
  const top = g[0]!;
  if ((top & 0xfe00) === 0xfc00) return 'private'; // unique-local fc00::/7
  if ((top & 0xffc0) === 0xfe80 || (top & 0xffc0) === 0xfec0) return 'private'; // link-local fe80::/10, site-local fec0::/10
  if ((top & 0xff00) === 0xff00) return 'private'; // multicast
  return 'public';
}

/**
 * What an IP address names, or `null` when `address` is not an IP address. Accepts dotted-quad
 * IPv4 and IPv6 in any notation (brackets, zone, embedded IPv4). IPv6 forms that embed an IPv4
 * address (mapped, compatible, translated, NAT64, 6to4) are judged by that address.
 */
export function ipAddressKind(address: string): AddressKind | null {
  const v4 = ipv4Octets(address);
  if (v4) return ipv4Kind(v4);
  const v6 = ipv6Groups(address);
  return v6 ? ipv6Kind(v6) : null;
}

/**
 * What a URL host (`new URL(…).hostname`) names, judged from the literal alone: an IP address by
 * {@link ipAddressKind}; `localhost` and names under `.localhost` (with or without the trailing
 * dot) are loopback; any other DNS name is `public` (what it resolves to is not seen here).
 */
export function hostKind(hostname: string): AddressKind {
  const host = hostname.toLowerCase().replace(/\.+$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  return ipAddressKind(host) ?? 'public';
}
