/** An immutable, fully validated configuration: every realm and instance, found by path. */
import { KeyPublication } from '../keys/key-publication';
import type { ConfigProblem } from './config-problem';
import { IssuerIndex } from './issuers';
import type { LoadedInstance, LoadedRealm } from './loaded-instance';

export class RealmSet {
  private readonly byPath: ReadonlyMap<string, LoadedInstance>;

  constructor(
    readonly realms: readonly LoadedRealm[],
    instances: readonly LoadedInstance[],
    /** SHA-256 of the realm files it was loaded from (see configuration-hash.ts). */
    readonly hash = '',
    /** Problems that do not stop the load (a plugin that is not there yet), for the log and check-config. */
    readonly warnings: readonly ConfigProblem[] = [],
    /** The issuers, their paths on this server and their primary instances. */
    readonly issuers = new IssuerIndex(),
    /** What each instance's and each issuer's JWKS publishes. */
    readonly publication = new KeyPublication(new Map()),
  ) {
    this.byPath = new Map(instances.map((i) => [i.instance.path, i]));
  }

  /** `/default`, `/eu/fr/partners` */
  instance(path: string): LoadedInstance | undefined {
    return this.byPath.get(path);
  }

  get instances(): LoadedInstance[] {
    return [...this.byPath.values()];
  }
}
