/** One STS instance after loading: its settings, its realm's runtime and its allowed transforms. */
import type { AttributeSource } from '../attributes/attribute-source';
import type { TokenFulfillment } from '../attributes/token-fulfillment';
import type { RealmKeys } from '../keys/realm-keys';
import type { IdentityStore, StsInstanceContext, StsRealmContext } from '../plugin-api/token-contract';
import type { RealmConfig } from './schema/realm-config';
import type { InstanceConfig } from './schema/instance-config';

export interface LoadedRealm extends StsRealmContext {
  readonly file: string;
  readonly settings: RealmConfig;
  readonly identityStore: IdentityStore | undefined;
  readonly keys: RealmKeys;
  /** `attribute_sources` by name; absent where a realm was built without them (tests). */
  readonly attributeSources?: ReadonlyMap<string, AttributeSource>;
  /** Absolute path of the realm file. */
  readonly filePath: string;
  /** The file as written (before schema defaults): what the admin API shows and edits. */
  readonly fileContent: unknown;
}

export class LoadedInstance {
  readonly instance: StsInstanceContext;
  private readonly transforms: ReadonlySet<string>;
  /** `token_fulfillment`, compiled by the loader. */
  fulfillment?: TokenFulfillment;

  constructor(
    readonly realm: LoadedRealm,
    name: string,
    settings: InstanceConfig,
  ) {
    this.instance = { name, path: instancePath(realm.path, name), settings };
    this.transforms = new Set(settings.supported_token_transforms.map((t) => `${t.from}>${t.to}`));
  }

  supportsTransform(from: string, to: string): boolean {
    return this.transforms.has(`${from}>${to}`);
  }

  /** The input (`from`) or output (`to`) types of its transforms, each once, in configuration order. */
  tokenTypes(side: 'input' | 'output'): string[] {
    return [...new Set(this.instance.settings.supported_token_transforms.map((t) => (side === 'input' ? t.from : t.to)))];
  }
}

/** `/` + `default` -> `/default`; `/eu/fr` + `partners` -> `/eu/fr/partners`. */
export function instancePath(realmPath: string, name: string): string {
  return realmPath === '/' ? `/${name}` : `${realmPath}/${name}`;
}
