/**
 * The client address that rate limits and login back-off count by: the TCP peer, or, when the
 * peer is a trusted proxy, the right-most X-Forwarded-For entry that is not a trusted proxy.
 * A client cannot choose its key by sending X-Forwarded-For itself.
 */
import { BlockList, isIP } from 'node:net';
import { normaliseIp } from '../http/ip-address';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** Entries are addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`), checked by the config loader. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(bits), type);
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    const version = isIP(address);
    return version !== 0 && this.list.check(address, version === 6 ? 'ipv6' : 'ipv4');
  }
}

/** True for `a.b.c.d`, an IPv6 address, or either with a valid `/bits` suffix. */
export function isAddressOrRange(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  let client = normaliseIp(peer) ?? peer;
  if (trusted.empty || forwardedFor === undefined || !trusted.has(client)) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i]);
    // Garbage left of our proxies was written by the client: stop at the last address we trust.
    if (hop === undefined) break;
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}

/**
 * The counting key of an address: IPv4 as is, IPv6 by its /64, since one host usually holds a
 * whole /64 and could otherwise take a fresh key (and a fresh limit) per request.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(':')}::/64`;
}
