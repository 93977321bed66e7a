import { Type } from 'class-transformer';
import { IsArray, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { AttributeSourceConfig } from './attribute-source-config';
import { IdentityStoreConfig } from './identity-store-config';
import { InstanceConfig } from './instance-config';
import { KeyConfig } from './key-config';
import { EntriesOf } from './schema-decorators';

/** `/`, `/eu`, `/eu/fr`: slash-separated segments of letters, digits, `.`, `_`, `-`. */
export const REALM_PATH_PATTERN = /^\/$|^(\/[A-Za-z0-9._-]+)+$/;
export const INSTANCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class RealmConfig {
  @Matches(REALM_PATH_PATTERN, { message: 'realm must be "/" or a path such as /eu or /eu/fr' })
  @IsString()
  realm!: string;

  @Type(() => IdentityStoreConfig)
  @ValidateNested()
  @IsOptional()
  identity_store?: IdentityStoreConfig;

  @Type(() => KeyConfig)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  keys: KeyConfig[] = [];

  /** Directories, databases and services instances look principals up in (token_fulfillment.lookups). */
  @Type(() => AttributeSourceConfig)
  @ValidateNested({ each: true })
  @IsArray()
  @IsOptional()
  attribute_sources: AttributeSourceConfig[] = [];

  /** Validated entry by entry (class-validator has no typed maps). */
  @EntriesOf(() => InstanceConfig, '<name>')
  @IsObject()
  instances!: Record<string, InstanceConfig>;
}
