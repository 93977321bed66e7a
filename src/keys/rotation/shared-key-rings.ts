/**
 * Rotating keys' rings kept in the token store's Redis, so nodes that do not share a data
 * directory agree on the versions and the active key. A ring changes by compare-and-set (one
 * node creates a version, the others adopt it); a version's material is offered with SET NX
 * (the first node's key is everyone's), wrapped under the key-wrapping key before it leaves the
 * process. Keys: `<prefix>{keyring:<kid>}:ring` and `<prefix>{keyring:<kid>}:<version kid>`.
 */
import { connectRedis, describeRedis, type RedisClient } from '../../tokens/redis-connection';
import type { RedisBackendSettings } from '../../server-config/server-config';
import { unwrapKeyMaterial, wrapKeyMaterial } from './key-material-wrapping';

/** Sets KEYS[1] to ARGV[2] only while it still holds ARGV[1] ('' : absent). */
const COMPARE_AND_SET = `
  local current = redis.call('GET', KEYS[1])
  if (current or '') ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[2])
  return 1`;

/** A version's material as files hold it: the private key (PEM, or base64url for a secret) and its certificate. */
export interface VersionMaterial {
  readonly key: string;
  readonly certificate?: string;
}

export class SharedKeyRings {
  private client: RedisClient | undefined;

  /** @param settings the token store's Redis; `keyWrappingKey` absent: sharing is refused when a key rotates. */
  constructor(readonly settings: RedisBackendSettings) {}

  get canWrap(): boolean {
    return this.settings.keyWrappingKey !== undefined;
  }

  /** Where the rings are kept, for messages. */
  describe(): string {
    return `Redis (${describeRedis(this.settings)})`;
  }

  /** The ring's stored text, or undefined when no node has stored one yet. */
  async readRing(name: string): Promise<string | undefined> {
    return (await (await this.connected()).get(this.ringKey(name))) ?? undefined;
  }

  /** Stores `next` unless another node changed the ring since it was read as `read`; true when stored. */
  async replaceRing(name: string, read: string | undefined, next: string): Promise<boolean> {
    return (await (await this.connected()).eval(COMPARE_AND_SET, 1, this.ringKey(name), read ?? '', next)) === 1;
  }

  /** The material every node uses for `versionKid`: the stored one, else `offered` once stored. Undefined: stored under another wrapping key. */
  async agreeOnMaterial(name: string, versionKid: string, offered: () => Promise<VersionMaterial>): Promise<VersionMaterial | undefined> {
    const client = await this.connected();
    const key = this.materialKey(name, versionKid);
    let stored = await client.get(key);
    if (stored === null) {
      const mine = await offered();
      const record = JSON.stringify({ key: wrapKeyMaterial(this.wrappingKey(), versionKid, mine.key), ...(mine.certificate !== undefined && { certificate: mine.certificate }) });
      if ((await client.set(key, record, 'NX')) === 'OK') return mine;
      stored = (await client.get(key)) ?? record;
    }
    const parsed = JSON.parse(stored) as { key: string; certificate?: string };
    const material = unwrapKeyMaterial(this.wrappingKey(), versionKid, parsed.key);
    return material === undefined ? undefined : { key: material, ...(parsed.certificate !== undefined && { certificate: parsed.certificate }) };
  }

  /** Deletes the material of versions the ring dropped. */
  async forget(name: string, versionKids: readonly string[]): Promise<void> {
    if (versionKids.length === 0) return;
    await (await this.connected()).del(...versionKids.map((kid) => this.materialKey(name, kid)));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.status === 'ready') await client.quit().catch(() => undefined);
    else client?.disconnect();
  }

  private wrappingKey(): Buffer {
    if (!this.settings.keyWrappingKey) throw new Error('no key-wrapping key');
    return this.settings.keyWrappingKey;
  }

  /** The client once it is ready: it fails fast instead of queueing, so the first command waits here. */
  private async connected(): Promise<RedisClient> {
    if (!this.client) {
      this.client = connectRedis(this.settings);
      // Errors surface through the commands; without a listener the EventEmitter would throw.
      this.client.on('error', () => undefined);
    }
    const client = this.client;
    if (client.status === 'ready') return client;
    await new Promise<void>((done, fail) => {
      const ready = () => {
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        client.off('ready', ready);
        fail(new Error(`not ready within ${this.settings.connectTimeoutMs} ms`));
      }, this.settings.connectTimeoutMs);
      client.once('ready', ready);
    });
    return client;
  }

  private ringKey(name: string): string {
    return `${this.settings.keyPrefix}{keyring:${name}}:ring`;
  }

  private materialKey(name: string, versionKid: string): string {
    return `${this.settings.keyPrefix}{keyring:${name}}:${versionKid}`;
  }
}
