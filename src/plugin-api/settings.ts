/**
 * Read-only views of the validated realm and instance configuration (SPEC section 3), as
 * validators and token providers receive them. Type-only: no runtime import.
 */
export type { RealmConfig as RealmSettings } from '../realms/schema/realm-config';
export type { InstanceConfig as InstanceSettings } from '../realms/schema/instance-config';
