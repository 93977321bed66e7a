import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { JsonValue } from '../../plugin-api/json';
import { IsAbsent, IsEnvName } from './schema-decorators';

export class FileUserConfig {
  @MaxLength(256)
  @Matches(/^\S(.*\S)?$/, { message: 'username must not be empty or start/end with whitespace' })
  @IsString()
  username!: string;

  /** PHC string `$scrypt$ln=..,r=..,p=..$salt$hash`; checked in depth when the store is built. */
  @Matches(/^\$scrypt\$/, {
    message: 'password_hash must be a PHC scrypt string ($scrypt$ln=15,r=8,p=1$<salt>$<hash>); create one with `npm run hash-password`',
  })
  @IsString()
  password_hash!: string;

  @IsAbsent(
    'plaintext passwords are refused; store a PHC scrypt hash in password_hash (create one with `npm run hash-password`)',
  )
  password?: unknown;

  @IsObject()
  @IsOptional()
  attributes: Record<string, JsonValue> = {};
}

const STORE_TYPES = ['file', 'ldap'] as const;
type IdentityStoreType = (typeof STORE_TYPES)[number];

/**
 * A key that belongs to one store type: required (or optional) there, refused under the other
 * type so a misplaced key (`url:` under `type: file`) is reported rather than ignored.
 * Put it lowest, so it runs first (class-validator runs decorators bottom-up).
 */
function OnlyForType(type: IdentityStoreType, required: boolean): PropertyDecorator {
  return (target, propertyName) => {
    // Under an unknown type only `type` itself is reported.
    ValidateIf((o: IdentityStoreConfig, value: unknown) =>
      o.type === type ? required || value !== undefined : STORE_TYPES.includes(o.type) && value !== undefined,
    )(target, propertyName);
    registerDecorator({
      name: 'onlyForType',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property only applies to identity_store type ${type}` },
      validator: { validate: (_value: unknown, args) => (args?.object as IdentityStoreConfig | undefined)?.type === type },
    });
  };
}

/**
 * `type: file` lists users in the realm file; `type: ldap` searches a directory with a service
 * account, then binds as the user found. The LDAP defaults are applied by LdapIdentityStore
 * (not here, so that `type: file` can refuse the LDAP keys when they are written).
 */
export class IdentityStoreConfig {
  @IsIn(STORE_TYPES, { message: `type must be one of: ${STORE_TYPES.join(', ')}` })
  type!: IdentityStoreType;

  @Type(() => FileUserConfig)
  @ValidateNested({ each: true })
  @IsArray()
  @OnlyForType('file', true)
  users?: FileUserConfig[];

  @Matches(/^ldaps?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?$/, {
    message: 'url must be ldap://host[:port] or ldaps://host[:port]',
  })
  @IsString()
  @OnlyForType('ldap', true)
  url?: string;

  /** Upgrade an ldap:// connection with the StartTLS extended operation. */
  @IsBoolean()
  @OnlyForType('ldap', false)
  start_tls?: boolean;

  /** PEM CA bundle to trust for ldaps:// and StartTLS, relative to the configuration directory. */
  @IsNotEmpty()
  @IsString()
  @OnlyForType('ldap', false)
  ca_file?: string;

  /** Default true; false accepts any server certificate (test directories only). */
  @IsBoolean()
  @OnlyForType('ldap', false)
  tls_reject_unauthorized?: boolean;

  /** The service account that searches for users. */
  @IsNotEmpty()
  @IsString()
  @OnlyForType('ldap', true)
  bind_dn?: string;

  /** Name of the environment variable holding the service account's password. */
  @IsEnvName()
  @IsString()
  @OnlyForType('ldap', true)
  bind_password_env?: string;

  @IsNotEmpty()
  @IsString()
  @OnlyForType('ldap', true)
  base_dn?: string;

  /** Default `(uid={username})`; the escaped username replaces every `{username}`. */
  @Matches(/\{username\}/, { message: 'user_filter must contain the placeholder {username}' })
  @IsString()
  @OnlyForType('ldap', false)
  user_filter?: string;

  /** LDAP attributes fetched for the user and offered to claim_map. */
  @IsString({ each: true })
  @ArrayMaxSize(100)
  @IsArray()
  @OnlyForType('ldap', false)
  attributes?: string[];

  /** An attribute whose (first) value becomes the principal; default: the username as typed. */
  @IsNotEmpty()
  @IsString()
  @OnlyForType('ldap', false)
  principal_attribute?: string;

  /** Default 5000. */
  @Max(60_000)
  @Min(100)
  @IsInt()
  @OnlyForType('ldap', false)
  connect_timeout_ms?: number;

  /** Per LDAP operation (search, bind); default 5000. */
  @Max(60_000)
  @Min(100)
  @IsInt()
  @OnlyForType('ldap', false)
  timeout_ms?: number;

  /** Bound service connections kept for searches; default 4. */
  @Max(64)
  @Min(1)
  @IsInt()
  @OnlyForType('ldap', false)
  pool_size?: number;
}
