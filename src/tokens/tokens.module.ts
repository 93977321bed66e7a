/** The server-level configuration (`server.yaml`) and the one TokenStore of the process, for every module. */
import { DynamicModule, Global, Module } from '@nestjs/common';
import { SERVER_CONFIG } from '../server-config/server-config';
import { loadServerConfig } from '../server-config/server-config-loader';
import type { ServerSettings } from '../server-settings';
import { createTokenStore } from './token-store.factory';
import { TokenStoreMaintenance } from './token-store-maintenance.service';
import { TOKEN_STORE } from './token-store';

@Global()
@Module({})
export class TokensModule {
  /**
   * Reads server.yaml and opens the store before Nest assembles the application, so a bad file
   * reaches main.ts as a plain ConfigError: an error thrown by a provider factory is also logged
   * with its stack trace by Nest's ExceptionHandler. Redis is only connected in the background.
   */
  static forRoot(settings: Pick<ServerSettings, 'configDir' | 'dataDir'>): DynamicModule {
    const config = loadServerConfig(settings.configDir);
    const store = createTokenStore(config, settings.dataDir);
    return {
      module: TokensModule,
      providers: [{ provide: SERVER_CONFIG, useValue: config }, { provide: TOKEN_STORE, useValue: store }, TokenStoreMaintenance],
      exports: [SERVER_CONFIG, TOKEN_STORE],
    };
  }
}
