// Which client a request comes from: the socket's address, or the one a trusted proxy chain forwarded.

/**
 * The client address. Without trusted proxies it is the socket's peer: `X-Forwarded-For` is then anyone's
 * to write and is ignored. With `trustedHops` proxies in front (each appending the address it saw), the
 * client is the entry that many places from the right; entries further left were written by the client.
 * Returns undefined when nothing usable is known.
 */
export function clientAddress(input: {
  socket: string | undefined;
  forwardedFor: string | undefined;
  trustedHops: number;
}): string | undefined {
  if (input.trustedHops > 0) {
    const chain = (input.forwardedFor ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // Fewer entries than proxies: the request skipped part of the chain, so the first entry is the
    // closest thing to the client the trusted proxies saw.
    const entry = chain.length ? chain[Math.max(0, chain.length - input.trustedHops)] : undefined;
    const forwarded = entry && normalizeAddress(entry);
    if (forwarded) return forwarded;
  }
  return input.socket ? normalizeAddress(input.socket) : undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A canonical address, or undefined for something that is not an IP address. */
export function normalizeAddress(raw: string): string | undefined {
  let text = raw.trim();
  // "[2001:db8::1]:443" and "192.0.2.1:443" as some proxies write them.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped) text = mapped[1]!;
  const v4 = IPV4.exec(text);
  if (v4)
    return v4.slice(1).every((part) => Number(part) <= 255) ? v4.slice(1).map(Number).join('.') : undefined;
  const groups = expandIpv6(text);
  return groups ? groups.map((g) => g.toString(16)).join(':') : undefined;
}

/**
 * What a rate limit counts by: an IPv4 address, or an IPv6 /64 (one subscriber usually holds a whole /64,
 * so counting single IPv6 addresses would let one machine rotate through billions of them).
 */
export function addressSubject(address: string | undefined): string {
  if (!address) return 'unknown';
  if (!address.includes(':')) return `ip:${address}`;
  const groups = expandIpv6(address)!;
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

function expandIpv6(text: string): number[] | undefined {
  const zoneless = text.split('%')[0]!.toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(zoneless) || !zoneless.includes(':')) return undefined;
  const halves = zoneless.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  // An embedded IPv4 tail ("::ffff:192.0.2.1" forms other than the mapped one) counts as two groups.
  const last = tail.length ? tail : head;
  const v4 = IPV4.exec(last.at(-1) ?? '');
  if (v4) {
    const n = v4.slice(1).map(Number);
    if (n.some((x) => x > 255)) return undefined;
    last.splice(-1, 1, ((n[0]! << 8) | n[1]!).toString(16), ((n[2]! << 8) | n[3]!).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}
