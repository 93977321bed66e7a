/** `/metrics` and the state gauges; the StsMetrics object itself is made by createApp (its HTTP hook needs it first). */
import { DynamicModule, Global, Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import type { ServerSettings } from '../server-settings';
import { MetricsController } from './metrics.controller';
import { StateMetrics } from './state-metrics';
import { StsMetrics } from './sts-metrics';

@Global()
@Module({})
export class MetricsModule {
  static forRoot(settings: Pick<ServerSettings, 'metrics'>, metrics: StsMetrics): DynamicModule {
    return {
      module: MetricsModule,
      imports: [RealmsModule],
      // STS_METRICS=false: no route at all (404), while counting goes on unseen (it is cheap).
      controllers: settings.metrics === false ? [] : [MetricsController],
      providers: [{ provide: StsMetrics, useValue: metrics }, StateMetrics],
      exports: [StsMetrics],
    };
  }
}
