import { Module } from '@nestjs/common';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { builtinTokenTypes } from './builtin-token-types';

/** One registry per server: built-in token types at start, plugins as they load. */
@Module({
  providers: [{ provide: TokenTypeRegistry, useFactory: () => new TokenTypeRegistry([builtinTokenTypes()]) }],
  exports: [TokenTypeRegistry],
})
export class TokenTypesModule {}
