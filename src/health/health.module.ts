import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { HealthController } from './health.controller';

@Module({ imports: [RealmsModule], controllers: [HealthController] })
export class HealthModule {}
