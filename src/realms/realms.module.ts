import { Module } from '@nestjs/common';
import { PluginsModule } from '../plugins/plugins.module';
import { TokenTypesModule } from '../token-types/token-types.module';
import { RealmRegistry } from './realm-registry.service';

@Module({
  imports: [TokenTypesModule, PluginsModule],
  providers: [RealmRegistry],
  exports: [RealmRegistry, TokenTypesModule, PluginsModule],
})
export class RealmsModule {}
