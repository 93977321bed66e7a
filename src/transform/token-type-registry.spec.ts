import type { InstanceSettings } from '../plugin-api/settings';
import type { StsPluginManifest } from '../plugin-api/token-contract';
import { TokenTypeRegistry } from './token-type-registry';

const validator = { validateToken: () => ({ principal: 'p' }) };
const bound = { custom_token_validators: { CUSTOM: 'demo' }, custom_token_providers: {} } as unknown as InstanceSettings;

function registry(refuseDemoOnly: boolean, demoOnly: boolean): TokenTypeRegistry {
  const result = new TokenTypeRegistry([], { refuseDemoOnly });
  const plugin: StsPluginManifest = { name: 'demo', contractVersion: '1.1', validators: { CUSTOM: validator }, ...(demoOnly && { demoOnly }) };
  result.setPlugin(plugin);
  return result;
}

describe('TokenTypeRegistry and demo-only plugins', () => {
  it('serves a demo-only plugin when demo-only plugins are not refused (development)', () => {
    expect(registry(false, true).resolveValidator(bound, 'CUSTOM')).toEqual({ status: 'ready', handler: validator });
  });

  it('in production answers a demo-only plugin as unavailable (503), also one loaded after the configuration check', () => {
    const production = registry(true, true);
    expect(production.isDemoOnly('demo')).toBe(true);
    expect(production.resolveValidator(bound, 'CUSTOM')).toEqual({ status: 'unavailable', plugin: 'demo' });
  });

  it('in production still serves a plugin that is not demo-only', () => {
    const production = registry(true, false);
    expect(production.isDemoOnly('demo')).toBe(false);
    expect(production.resolveValidator(bound, 'CUSTOM')).toEqual({ status: 'ready', handler: validator });
  });
});
