import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { TokenDispatcher } from './token-dispatcher';
import { TokenTypeRegistry } from './token-type-registry';
import { TransformController } from './transform.controller';

@Module({
  imports: [RealmsModule],
  controllers: [TransformController],
  providers: [{ provide: TokenDispatcher, useFactory: (registry: TokenTypeRegistry) => new TokenDispatcher(registry), inject: [TokenTypeRegistry] }],
})
export class TransformModule {}
