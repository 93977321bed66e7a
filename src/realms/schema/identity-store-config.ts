import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { JsonValue } from '../../plugin-api/json';
import { IsAbsent } from './schema-decorators';

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

export class IdentityStoreConfig {
  @IsIn(['file'], { message: 'type must be one of: file' })
  type!: 'file';

  @Type(() => FileUserConfig)
  @ValidateNested({ each: true })
  @IsArray()
  users!: FileUserConfig[];
}
