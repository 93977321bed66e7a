/**
 * Liveness (the process answers) and readiness (a configuration is loaded and served). Readiness
 * stays 200 when the token store is down or a reload was refused (STALE): the node still serves.
 */
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceUnavailableError } from '../errors/sts-errors';
import { refusedReloadJson } from '../realms/configuration-status';
import { RealmRegistry } from '../realms/realm-registry.service';
import { TOKEN_STORE, type TokenStore } from '../tokens/token-store';
import { tokenPools } from '../keys/pkcs11/token-pools';

/** The PKCS#11 tokens' state (a DOWN one is tried again now), or undefined when no key is in a token. */
function hsmState(): 'UP' | 'DOWN' | undefined {
  const pools = tokenPools();
  if (pools.length === 0) return undefined;
  return pools.map((pool) => pool.check()).includes('DOWN') ? 'DOWN' : 'UP';
}

/** A load balancer's probe must get an answer quickly even when the store hangs. */
export const TOKEN_STORE_PING_TIMEOUT_MS = 1000;

export interface ReadinessBody {
  readonly status: 'UP' | 'DEGRADED';
  /** `hsm` only where keys are held in PKCS#11 tokens: DOWN while one of them cannot be reached. */
  readonly checks: { readonly configuration: 'UP' | 'STALE'; readonly token_store: 'UP' | 'DOWN'; readonly hsm?: 'UP' | 'DOWN' };
  /** While STALE: when the reload was refused, and why (file, key path, reason of each problem). */
  readonly refused_reload?: ReturnType<typeof refusedReloadJson>;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly realms: RealmRegistry,
    @Inject(TOKEN_STORE) private readonly tokenStore: TokenStore,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): object {
    return { status: 'UP' };
  }

  /**
   * 200 whenever a configuration is served: with the token store down, or the files on disk
   * refused by a reload (configuration STALE), the node is DEGRADED, not unready, because it
   * keeps serving (stateless transforms, the last good configuration).
   */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 UP or DEGRADED (checks.token_store DOWN, checks.configuration STALE, checks.hsm DOWN) once a configuration is loaded, else 503' })
  async ready(): Promise<ReadinessBody> {
    const configuration = this.realms.status;
    if (!configuration) throw new ServiceUnavailableError('No configuration is loaded yet.', { code: 'not_ready' });
    const storeUp = await this.pingTokenStore();
    const hsm = hsmState();
    const { refusedReload } = configuration;
    return {
      status: storeUp && !refusedReload && hsm !== 'DOWN' ? 'UP' : 'DEGRADED',
      checks: { configuration: refusedReload ? 'STALE' : 'UP', token_store: storeUp ? 'UP' : 'DOWN', ...(hsm && { hsm }) },
      ...(refusedReload && { refused_reload: refusedReloadJson(refusedReload) }),
    };
  }

  private async pingTokenStore(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((done) => (timer = setTimeout(() => done(false), TOKEN_STORE_PING_TIMEOUT_MS)));
    const ping = this.tokenStore.ping().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
