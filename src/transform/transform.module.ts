import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { SERVER_CONFIG } from '../server-config/server-config';
import type { ServerConfig } from '../server-config/server-config';
import { SERVER_SETTINGS, ServerSettings } from '../server-settings';
import { AUDIT_LOG, type AuditLog } from '../logging/audit-log';
import { StsMetrics } from '../metrics/sts-metrics';
import { InstanceClients, CLIENT_ASSERTION_REPLAY_NAMESPACE } from '../oauth/instance-client';
import { IssuedTokens } from '../tokens/issued-tokens';
import { StoreReplayGuard } from '../tokens/store-replay-guard';
import { TOKEN_STORE, TokenStore } from '../tokens/token-store';
import { IssuedTokenActions } from './issued-token-actions';
import { SessionActions } from '../token-types/session/session-actions';
import { TokenDispatcher } from './token-dispatcher';
import { TokenTypeRegistry } from './token-type-registry';
import { TransformController } from './transform.controller';

@Module({
  imports: [RealmsModule],
  controllers: [TransformController],
  providers: [
    {
      provide: IssuedTokens,
      useFactory: (store: TokenStore, registry: TokenTypeRegistry, settings: ServerSettings, config: ServerConfig) =>
        new IssuedTokens(store, registry, {
          defaultLifetimeMs: config.tokenStore.defaultTokenLifetimeSeconds * 1000,
          timeoutMs: settings.tokenTimeoutMs,
        }),
      inject: [TOKEN_STORE, TokenTypeRegistry, SERVER_SETTINGS, SERVER_CONFIG],
    },
    {
      provide: TokenDispatcher,
      useFactory: (registry: TokenTypeRegistry, settings: ServerSettings, store: TokenStore, issuedTokens: IssuedTokens, audit: AuditLog, metrics?: StsMetrics) =>
        new TokenDispatcher(registry, {
          timeoutMs: settings.tokenTimeoutMs,
          issuedTokens,
          replayGuardFor: (inputTokenType) => new StoreReplayGuard(store, inputTokenType),
          metrics,
          audit,
        }),
      inject: [TokenTypeRegistry, SERVER_SETTINGS, TOKEN_STORE, IssuedTokens, AUDIT_LOG, { token: StsMetrics, optional: true }],
    },
    {
      // Client assertions are spent in the same replay cache as one-time inputs, in their own namespace.
      provide: InstanceClients,
      useFactory: (store: TokenStore, audit: AuditLog, config: ServerConfig) =>
        new InstanceClients(new StoreReplayGuard(store, CLIENT_ASSERTION_REPLAY_NAMESPACE), audit, config.publicBaseUrl),
      inject: [TOKEN_STORE, AUDIT_LOG, SERVER_CONFIG],
    },
    {
      provide: IssuedTokenActions,
      useFactory: (registry: TokenTypeRegistry, issuedTokens: IssuedTokens, audit: AuditLog, settings: ServerSettings) =>
        new IssuedTokenActions(registry, issuedTokens, audit, settings.tokenTimeoutMs),
      inject: [TokenTypeRegistry, IssuedTokens, AUDIT_LOG, SERVER_SETTINGS],
    },
    {
      provide: SessionActions,
      useFactory: (store: TokenStore, audit: AuditLog) => new SessionActions(store, audit),
      inject: [TOKEN_STORE, AUDIT_LOG],
    },
  ],
  exports: [IssuedTokens, TokenDispatcher, InstanceClients],
})
export class TransformModule {}
