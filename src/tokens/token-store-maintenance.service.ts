/** Purges expired token-store entries on a timer, and closes the store when the server stops. */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../server-config/server-config';
import { TOKEN_STORE, type TokenStore } from './token-store';

@Injectable()
export class TokenStoreMaintenance implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TokenStore');
  private timer: NodeJS.Timeout | undefined;
  private purging = false;

  constructor(
    @Inject(TOKEN_STORE) private readonly store: TokenStore,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.purge(), this.config.tokenStore.purgeIntervalSeconds * 1000);
    this.timer.unref(); // Never what keeps the process alive.
  }

  /** Deletes expired entries; a failure is logged and the next round tries again. */
  async purge(now = Date.now()): Promise<void> {
    if (this.purging) return; // A slow purge is not stacked on.
    this.purging = true;
    try {
      await this.store.purgeExpired(now);
    } catch (error) {
      this.logger.warn(`Purging expired token-store entries failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.purging = false;
    }
  }

  // The last shutdown hook, so every other module has finished with the store.
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.store.close();
  }
}
