import { Module } from '@nestjs/common';
import { TokenTypesModule } from '../token-types/token-types.module';
import { PluginManager } from './plugin-manager.service';

@Module({ imports: [TokenTypesModule], providers: [PluginManager], exports: [PluginManager] })
export class PluginsModule {}
