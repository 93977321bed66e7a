import { Module } from '@nestjs/common';
import { isProductionMode } from '../production/production-mode';
import { LIMIT_STATE, type LimitState } from '../ratelimit/limit-state';
import { SERVER_CONFIG, type ServerConfig } from '../server-config/server-config';
import { TOKEN_STORE, type TokenStore } from '../tokens/token-store';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { builtinTokenTypes } from './builtin-token-types';

/** One registry per server: built-in token types at start, plugins as they load. */
@Module({
  providers: [
    {
      provide: TokenTypeRegistry,
      useFactory: (config?: ServerConfig, limits?: LimitState, tokenStore?: TokenStore) =>
        new TokenTypeRegistry([builtinTokenTypes({ loginBackoff: limits?.loginBackoff, trustedProxies: config?.trustedProxies, tokenStore })], {
          refuseDemoOnly: isProductionMode(process.env),
        }),
      inject: [
        { token: SERVER_CONFIG, optional: true },
        { token: LIMIT_STATE, optional: true },
        { token: TOKEN_STORE, optional: true },
      ],
    },
  ],
  exports: [TokenTypeRegistry],
})
export class TokenTypesModule {}
