import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { TransformModule } from '../transform/transform.module';
import { AuthorizationServerMetadataController } from './authorization-server-metadata.controller';
import { OAuthController } from './oauth.controller';

@Module({ imports: [RealmsModule, TransformModule], controllers: [OAuthController, AuthorizationServerMetadataController] })
export class OAuthModule {}
