import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { IdpMetadataController } from './idp-metadata.controller';

/** The SAML 2.0 identity provider metadata of instances that issue SAML2 tokens. */
@Module({ imports: [RealmsModule], controllers: [IdpMetadataController] })
export class Saml2MetadataModule {}
