/** The server-level configuration (`server.yaml`) and the one TokenStore of the process, for every module. */
import { DynamicModule, Global, Module } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../server-config/server-config';
import type { ServerSettings } from '../server-settings';
import { createTokenStore } from './token-store.factory';
import { TokenStoreMaintenance } from './token-store-maintenance.service';
import { TOKEN_STORE } from './token-store';

@Global()
@Module({})
export class TokensModule {
  /**
   * Opens the store before Nest assembles the application (createApp has read server.yaml), so
   * a bad store file reaches main.ts as a plain ConfigError: an error thrown by a provider factory
   * is also logged with its stack trace by Nest's ExceptionHandler. Redis connects in the background.
   */
  static forRoot(settings: Pick<ServerSettings, 'dataDir'>, config: ServerConfig): DynamicModule {
    const store = createTokenStore(config, settings.dataDir);
    return {
      module: TokensModule,
      providers: [{ provide: SERVER_CONFIG, useValue: config }, { provide: TOKEN_STORE, useValue: store }, TokenStoreMaintenance],
      exports: [SERVER_CONFIG, TOKEN_STORE],
    };
  }
}
