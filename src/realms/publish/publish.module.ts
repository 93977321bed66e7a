import { DynamicModule, Module } from '@nestjs/common';
import type { ServerSettings } from '../../server-settings';
import { RealmsModule } from '../realms.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { ConfigurationStatusController } from './configuration-status.controller';
import { InstancePublisher } from './instance-publisher.service';
import { PublishController } from './publish.controller';

/** One module per settings: the app and the console import the same one (its publisher queues every edit). */
const modules = new WeakMap<ServerSettings, DynamicModule>();

/** The admin publish API (SPEC 4.4), present only when STS_ADMIN_TOKEN is set. */
@Module({})
export class PublishModule {
  static forRoot(settings: ServerSettings): DynamicModule {
    let module = modules.get(settings);
    if (!module) modules.set(settings, (module = PublishModule.build(settings)));
    return module;
  }

  private static build(settings: ServerSettings): DynamicModule {
    // Without a token the routes do not exist: a 404 exactly like any unknown path, whatever is sent.
    if (!settings.adminToken) return { module: PublishModule };
    return {
      module: PublishModule,
      imports: [RealmsModule],
      controllers: [PublishController, ConfigurationStatusController],
      providers: [InstancePublisher, AdminAuthGuard],
      // The console publishes through the same publisher, so its edits queue with the API's.
      exports: [InstancePublisher],
    };
  }
}
