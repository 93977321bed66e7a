import { Module } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../server-config/server-config';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { builtinTokenTypes } from './builtin-token-types';

/** One registry per server: built-in token types at start, plugins as they load. */
@Module({
  providers: [
    {
      provide: TokenTypeRegistry,
      useFactory: (config?: ServerConfig) => new TokenTypeRegistry([builtinTokenTypes(config)]),
      inject: [{ token: SERVER_CONFIG, optional: true }],
    },
  ],
  exports: [TokenTypeRegistry],
})
export class TokenTypesModule {}
