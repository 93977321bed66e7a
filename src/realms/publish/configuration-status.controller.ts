/**
 * `GET /sts-publish/status`: which configuration is served (hash, load time, files, instances),
 * whether the files on disk still match it (STALE after a refused reload, with why), and the
 * plugin bindings that answer 503 right now. Behind the admin API's bearer token, like the rest.
 */
import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../docs/api-decorators';
import { ServiceUnavailableError } from '../../errors/sts-errors';
import type { ConfigProblem } from '../config-problem';
import { refusedReloadJson } from '../configuration-status';
import { RealmRegistry } from '../realm-registry.service';
import { AdminAuthGuard } from './admin-auth.guard';

export interface ConfigurationStatusBody {
  readonly status: 'UP' | 'STALE';
  readonly hash: string;
  readonly loaded_at: string;
  readonly files: readonly string[];
  readonly instances: readonly string[];
  readonly reload_failures: number;
  readonly refused_reload?: ReturnType<typeof refusedReloadJson>;
  readonly unavailable_plugins: readonly ConfigProblem[];
}

@ApiTags('administration')
@ApiBearerAuth('admin')
@ApiErrors(401, 404)
@Controller('sts-publish')
@UseGuards(AdminAuthGuard)
export class ConfigurationStatusController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('status')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The configuration served (hash, load time), STALE after a refused reload, and plugins that are not loaded' })
  status(): ConfigurationStatusBody {
    const status = this.realms.status;
    if (!status) throw new ServiceUnavailableError('No configuration is loaded yet.', { code: 'not_ready' });
    return {
      status: status.state,
      hash: status.hash,
      loaded_at: status.loadedAt.toISOString(),
      files: status.files,
      instances: this.realms.realmSet?.instances.map((loaded) => loaded.instance.path) ?? [],
      reload_failures: this.realms.reloadFailures,
      ...(status.refusedReload && { refused_reload: refusedReloadJson(status.refusedReload) }),
      unavailable_plugins: this.realms.unavailablePlugins(),
    };
  }
}
