import { DynamicModule, Module } from '@nestjs/common';
import { PublishModule } from '../realms/publish/publish.module';
import { RealmsModule } from '../realms/realms.module';
import type { ServerSettings } from '../server-settings';
import { ConsoleApiController } from './console-api.controller';
import { ConsoleInstancesController } from './console-instances.controller';
import { ConsolePagesController } from './console-pages.controller';
import { ConsoleSessionController } from './console-session.controller';
import { ConsoleSessionGuard } from './console-session.guard';
import { ConsoleSessions } from './console-sessions';
import { ConsoleViews } from './console-views';
import { FailedSignIns } from './failed-sign-ins';
import { PlaygroundController } from './playground.controller';
import { RecentActivity } from './recent-activity';

/** The admin console at /console: like the admin API, present only when STS_ADMIN_TOKEN is set. */
@Module({})
export class ConsoleModule {
  static forRoot(settings: ServerSettings): DynamicModule {
    // Without a token the routes do not exist: a 404 like any unknown path.
    if (!settings.adminToken) return { module: ConsoleModule };
    return {
      module: ConsoleModule,
      imports: [RealmsModule, PublishModule.forRoot(settings)],
      controllers: [ConsolePagesController, ConsoleSessionController, ConsoleApiController, ConsoleInstancesController, PlaygroundController],
      providers: [
        { provide: ConsoleSessions, useValue: new ConsoleSessions() },
        { provide: FailedSignIns, useValue: new FailedSignIns() },
        ConsoleSessionGuard,
        ConsoleViews,
        RecentActivity,
      ],
    };
  }
}
