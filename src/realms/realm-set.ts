/** An immutable, fully validated configuration: every realm and instance, found by path. */
import type { LoadedInstance, LoadedRealm } from './loaded-instance';

export class RealmSet {
  private readonly byPath: ReadonlyMap<string, LoadedInstance>;

  constructor(
    readonly realms: readonly LoadedRealm[],
    instances: readonly LoadedInstance[],
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
