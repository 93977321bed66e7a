/** IP address spelling shared by every check of a client or proxy address. */
import { isIP } from 'node:net';

/**
 * One spelling per address: IPv6 compressed and lower case (by the WHATWG URL parser), and an
 * IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, as a dual-stack socket reports IPv4 peers) as
 * plain IPv4. Undefined for what is not an IP address.
 */
export function normaliseIp(address: string): string | undefined {
  const trimmed = address.trim();
  const version = isIP(trimmed);
  if (version === 4) return trimmed;
  if (version !== 6) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${trimmed}]/`).hostname.slice(1, -1);
  } catch {
    return trimmed.toLowerCase(); // a zone index (fe80::1%eth0), which URL refuses
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const high = parseInt(mapped[1], 16);
  const low = parseInt(mapped[2], 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
