import { Module } from '@nestjs/common';
import { builtinTokenTypes } from '../token-types/builtin-token-types';
import { TokenTypeRegistry } from '../transform/token-type-registry';
import { RealmRegistry } from './realm-registry.service';

@Module({
  providers: [{ provide: TokenTypeRegistry, useFactory: () => new TokenTypeRegistry([builtinTokenTypes()]) }, RealmRegistry],
  exports: [RealmRegistry, TokenTypeRegistry],
})
export class RealmsModule {}
