/** Where the example configuration holds demo material, as `file: key path`: what production mode must name. */
export const EXAMPLE_DEMO_MATERIAL = [
  'config/realms/eu-fr.yaml: identity_store.users[0].password_hash',
  'config/realms/root.yaml: identity_store.users[0].password_hash',
  'config/realms/root.yaml: instances.custom.custom_token_providers.CUSTOM',
  'config/realms/root.yaml: instances.custom.custom_token_validators.CUSTOM',
  'config/realms/root.yaml: instances.default.oauth_clients[0].client_secret_hash',
  'config/realms/root.yaml: instances.default.oauth_clients[1].client_secret_hash',
];
