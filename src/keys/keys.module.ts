import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { IssuerJwksController, JwksController } from './jwks.controller';
import { ExtPublicationController } from './publication/ext-publication.controller';

@Module({ imports: [RealmsModule], controllers: [JwksController, IssuerJwksController, ExtPublicationController] })
export class KeysModule {}
