/**
 * The read side of the console, under `/console/api` behind a console session: instances (with
 * links to their documents), one instance as published, keys, plugins, configuration status,
 * recent activity.
 */
import { Controller, Get, Header, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigurationStatusController, type ConfigurationStatusBody } from '../realms/publish/configuration-status.controller';
import { InstancePublisher } from '../realms/publish/instance-publisher.service';
import { addressFromWildcard, pathOf, type PublishedState } from '../realms/publish/instance-state';
import { RealmRegistry } from '../realms/realm-registry.service';
import { ConsoleSessionGuard } from './console-session.guard';
import { ConsoleViews, type InstanceView, type KeyView } from './console-views';
import { RecentActivity, type RecentEvent, type TransformActivity } from './recent-activity';

@ApiExcludeController()
@Controller('console/api')
@UseGuards(ConsoleSessionGuard)
export class ConsoleApiController {
  private readonly configurationStatus: ConfigurationStatusController;

  constructor(
    private readonly views: ConsoleViews,
    private readonly publisher: InstancePublisher,
    private readonly activity: RecentActivity,
    realms: RealmRegistry,
  ) {
    // The admin API's own answer, so the console and /sts-publish/status never disagree.
    this.configurationStatus = new ConfigurationStatusController(realms);
  }

  @Get('instances')
  @Header('cache-control', 'no-store')
  instances(): InstanceView[] {
    return this.views.instances();
  }

  /** `/console/api/instances/<realm path>/<name>`: the view, the instance as published and its `_rev`. */
  @Get('instances/*')
  @Header('cache-control', 'no-store')
  instance(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): { view: InstanceView | undefined; published: PublishedState; revision: string } {
    const wildcard = (request.params as Record<string, string>)['*'] ?? '';
    const address = addressFromWildcard(wildcard);
    const published = this.publisher.read(address);
    const revision = this.publisher.revision(address);
    void reply.header('etag', `"${revision}"`);
    return { view: this.views.instances().find((view) => view.path === pathOf(address)), published, revision };
  }

  @Get('keys')
  @Header('cache-control', 'no-store')
  keys(): Promise<KeyView[]> {
    return this.views.keys();
  }

  @Get('plugins')
  @Header('cache-control', 'no-store')
  plugins(): ReturnType<ConsoleViews['plugins']> {
    return this.views.plugins();
  }

  /** The latest audit events, newest first, and each transform's count and rate. */
  @Get('activity')
  @Header('cache-control', 'no-store')
  async recentActivity(): Promise<{ events: RecentEvent[]; transforms: TransformActivity[] }> {
    return { events: this.activity.recentEvents(), transforms: await this.activity.transforms() };
  }

  @Get('status')
  @Header('cache-control', 'no-store')
  status(): ConfigurationStatusBody {
    return this.configurationStatus.status();
  }
}
