import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConsoleModule } from './console/console.module';
import { StsExceptionFilter } from './errors/sts-exception.filter';
import { AUDIT_LOG, type AuditLog } from './logging/audit-log';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { MetricsModule } from './metrics/metrics.module';
import type { StsMetrics } from './metrics/sts-metrics';
import { OAuthModule } from './oauth/oauth.module';
import { InstanceRateLimits } from './ratelimit/instance-rate-limits';
import { LIMIT_STATE, type LimitState } from './ratelimit/limit-state';
import { PublishModule } from './realms/publish/publish.module';
import { RealmsModule } from './realms/realms.module';
import { Saml2MetadataModule } from './saml2-metadata/saml2-metadata.module';
import { PUBLIC_BASE_URL, type ServerConfig } from './server-config/server-config';
import { SERVER_SETTINGS, ServerSettings } from './server-settings';
import { TokensModule } from './tokens/tokens.module';
import { TransformModule } from './transform/transform.module';

/** What createApp makes before Nest starts (its Fastify hooks use them too). */
export interface AppParts {
  readonly metrics: StsMetrics;
  readonly audit: AuditLog;
  readonly limits: LimitState;
}

@Global()
@Module({})
export class AppModule {
  static forRoot(settings: ServerSettings, serverConfig: ServerConfig, { metrics, audit, limits }: AppParts): DynamicModule {
    return {
      module: AppModule,
      imports: [TokensModule.forRoot(settings, serverConfig), RealmsModule, TransformModule, OAuthModule, KeysModule, Saml2MetadataModule, HealthModule, PublishModule.forRoot(settings), ConsoleModule.forRoot(settings), MetricsModule.forRoot(settings, metrics)],
      providers: [
        { provide: SERVER_SETTINGS, useValue: settings },
        { provide: AUDIT_LOG, useValue: audit },
        { provide: APP_FILTER, useClass: StsExceptionFilter },
        { provide: LIMIT_STATE, useValue: limits },
        { provide: PUBLIC_BASE_URL, useValue: serverConfig.publicBaseUrl },
        InstanceRateLimits,
      ],
      exports: [SERVER_SETTINGS, AUDIT_LOG, InstanceRateLimits, LIMIT_STATE, PUBLIC_BASE_URL],
    };
  }
}
