/** Decorators shared by the controllers' OpenAPI descriptions. */
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const REASONS: Record<number, string> = {
  400: 'malformed request, or a transform the instance does not support',
  401: 'input token or credentials rejected (bad password, bad signature, expired, replayed)',
  404: 'unknown realm, instance or endpoint',
  409: 'the instance does not persist issued tokens (`token_persistence_disabled`)',
  413: 'body too large',
  415: 'not JSON',
  503: 'a store or key source the request needs is down',
  504: 'a validator or token provider did not answer in time',
};

/** SPEC 4.2 error bodies for these statuses. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: REASONS[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }),
    ),
  );
}
