import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import { TokenDispatcher } from './token-dispatcher';
import { TokenTypeRegistry } from './token-type-registry';
import { TransformController } from './transform.controller';

@Module({
  imports: [RealmsModule],
  controllers: [TransformController],
  providers: [
    {
      provide: TokenDispatcher,
      useFactory: (registry: TokenTypeRegistry, settings: ServerSettings) => new TokenDispatcher(registry, settings.tokenTimeoutMs),
      inject: [TokenTypeRegistry, SERVER_SETTINGS],
    },
  ],
})
export class TransformModule {}
