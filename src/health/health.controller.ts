/** Liveness (the process answers) and readiness (a configuration is loaded and served). */
import { Controller, Get } from '@nestjs/common';
import { ServiceUnavailableError } from '../errors/sts-errors';
import { RealmRegistry } from '../realms/realm-registry.service';

@Controller('health')
export class HealthController {
  constructor(private readonly realms: RealmRegistry) {}

  @Get('live')
  live(): object {
    return { status: 'UP' };
  }

  @Get('ready')
  ready(): object {
    if (!this.realms.ready) throw new ServiceUnavailableError('No configuration is loaded yet.', { code: 'not_ready' });
    return { status: 'UP' };
  }
}
