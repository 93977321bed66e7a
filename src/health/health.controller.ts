/** Liveness (the process answers) and readiness (a configuration is loaded and served). */
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceUnavailableError } from '../errors/sts-errors';
import { RealmRegistry } from '../realms/realm-registry.service';
import { TOKEN_STORE, type TokenStore } from '../tokens/token-store';

/** A load balancer's probe must get an answer quickly even when the store hangs. */
export const TOKEN_STORE_PING_TIMEOUT_MS = 1000;

export interface ReadinessBody {
  readonly status: 'UP' | 'DEGRADED';
  readonly checks: { readonly configuration: 'UP'; readonly token_store: 'UP' | 'DOWN' };
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
   * 200 whenever a configuration is served: with the token store down the node is DEGRADED,
   * not unready, because stateless transforms keep working on it.
   */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 UP or DEGRADED (checks.token_store) once a configuration is loaded, else 503' })
  async ready(): Promise<ReadinessBody> {
    if (!this.realms.ready) throw new ServiceUnavailableError('No configuration is loaded yet.', { code: 'not_ready' });
    const storeUp = await this.pingTokenStore();
    return { status: storeUp ? 'UP' : 'DEGRADED', checks: { configuration: 'UP', token_store: storeUp ? 'UP' : 'DOWN' } };
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
