import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { JwksController } from './jwks.controller';

@Module({ imports: [RealmsModule], controllers: [JwksController] })
export class KeysModule {}
