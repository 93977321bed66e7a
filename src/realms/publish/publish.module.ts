import { DynamicModule, Module } from '@nestjs/common';
import type { ServerSettings } from '../../server-settings';
import { RealmsModule } from '../realms.module';
import { AdminAuthGuard } from './admin-auth.guard';
import { ConfigurationStatusController } from './configuration-status.controller';
import { InstancePublisher } from './instance-publisher.service';
import { PublishController } from './publish.controller';

/** The admin publish API (SPEC 4.4), present only when STS_ADMIN_TOKEN is set. */
@Module({})
export class PublishModule {
  static forRoot(settings: ServerSettings): DynamicModule {
    // Without a token the routes do not exist: a 404 exactly like any unknown path, whatever is sent.
    if (!settings.adminToken) return { module: PublishModule };
    return {
      module: PublishModule,
      imports: [RealmsModule],
      controllers: [PublishController, ConfigurationStatusController],
      providers: [InstancePublisher, AdminAuthGuard],
    };
  }
}
