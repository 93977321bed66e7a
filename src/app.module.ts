import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { StsExceptionFilter } from './errors/sts-exception.filter';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { OAuthModule } from './oauth/oauth.module';
import { PublishModule } from './realms/publish/publish.module';
import { RealmsModule } from './realms/realms.module';
import { SERVER_SETTINGS, ServerSettings } from './server-settings';
import { TokensModule } from './tokens/tokens.module';
import { TransformModule } from './transform/transform.module';

@Global()
@Module({})
export class AppModule {
  static forRoot(settings: ServerSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [TokensModule.forRoot(settings), RealmsModule, TransformModule, OAuthModule, KeysModule, HealthModule, PublishModule.forRoot(settings)],
      providers: [
        { provide: SERVER_SETTINGS, useValue: settings },
        { provide: APP_FILTER, useClass: StsExceptionFilter },
      ],
      exports: [SERVER_SETTINGS],
    };
  }
}
