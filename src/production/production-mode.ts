/**
 * `NODE_ENV=production` (SPEC section 7): the example configuration is a development one, so a
 * production start refuses its demo material and warns about missing abuse protection.
 */
export function isProductionMode(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production';
}
