/**
 * Creates, changes and removes STS instances in their realm files, for the admin API.
 * A change is validated by the realm loader exactly as the files are, written atomically, and
 * live (reloaded) before the call returns. Changes run one at a time, so two never edit the same
 * file from the same starting point.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { ConflictError, NotFoundError } from '../../errors/sts-errors';
import { ConfigError, ConfigProblem, formatConfigProblem } from '../config-problem';
import type { LoadedRealm } from '../loaded-instance';
import { RealmRegistry } from '../realm-registry.service';
import { SERVER_SETTINGS, type ServerSettings } from '../../server-settings';
import { writeFileAtomic } from './atomic-file-writer';
import { checkIfMatch, revisionOf } from './instance-revision';
import { InstanceAddress, InstanceState, pathOf, PublishedState } from './instance-state';
import { InvalidInstanceStateError } from './invalid-instance-state';
import { clientSecretKid } from './pingam-instance-mapping';
import { removeSecret, secretKeyEntry, storeSecret } from './published-secret';
import { RealmDocument } from './realm-document';

/** What a change left: the instance path, and its new revision (none after a delete). */
export interface Published {
  readonly path: string;
  readonly revision?: string;
}

/** More problems than this are counted, not listed: the message stays readable. */
const MAX_LISTED_PROBLEMS = 20;

@Injectable()
export class InstancePublisher {
  private readonly logger = new Logger('Publish');
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly realms: RealmRegistry,
    @Inject(SERVER_SETTINGS) private readonly settings: ServerSettings,
  ) {}

  /**
   * Every instance being served, keyed by path, as written in its realm file (defaults not filled
   * in), so what GET answers can be PUT back unchanged.
   */
  list(): Record<string, PublishedState> {
    const listed: Record<string, PublishedState> = {};
    for (const loaded of this.realms.realmSet?.instances ?? []) {
      listed[loaded.instance.path] = publishedState(loaded.realm, loaded.instance.name);
    }
    return listed;
  }

  read(address: InstanceAddress): PublishedState {
    const realm = this.realm(address.realm);
    const loaded = this.realms.instance(pathOf(address));
    if (!loaded) throw new NotFoundError(`No STS instance ${pathOf(address)}.`, { code: 'instance_not_found' });
    return publishedState(realm, loaded.instance.name);
  }

  /** `_rev` of the instance as served now (a hash of its stored state). */
  revision(address: InstanceAddress): string {
    return revisionOf(this.read(address));
  }

  create(state: InstanceState): Promise<Published> {
    return this.change(state, 'created', (document) => document.add(state.name, state.settings, pathOf(state)), undefined, state.secretKey);
  }

  /** `ifMatch`: the request's If-Match, checked in turn with the other changes (412 when stale). */
  update(state: InstanceState, ifMatch?: string): Promise<Published> {
    return this.change(state, 'updated', (document) => document.replace(state.name, state.settings, pathOf(state)), ifMatch, state.secretKey);
  }

  /** Also removes the realm key holding the instance's published secret, if it has one. */
  remove(address: InstanceAddress, ifMatch?: string): Promise<Published> {
    const kid = clientSecretKid(address.realm, address.name);
    let hadSecret = false;
    const edit = (document: RealmDocument) => {
      document.remove(address.name, pathOf(address));
      hadSecret = document.removeKey(kid);
    };
    return this.change(address, 'deleted', edit, ifMatch).then(async (published) => {
      if (hadSecret) await removeSecret(this.settings.dataDir, kid);
      return published;
    });
  }

  private change(
    address: InstanceAddress,
    done: string,
    edit: (document: RealmDocument) => void,
    ifMatch?: string,
    secretKey?: InstanceState['secretKey'],
  ): Promise<Published> {
    const run = this.queue.then(async () => {
      if (ifMatch !== undefined) checkIfMatch(ifMatch, this.revision(address), pathOf(address));
      const realm = this.realm(address.realm);
      const document = RealmDocument.parse(await this.readRealmFile(realm), realm.path, realm.file);
      edit(document);
      if (secretKey) document.ensureKey(secretKeyEntry(secretKey.kid, secretKey.secret));
      const text = document.toString();
      // The loader reads the secret while it validates, so it is stored first and put back on failure.
      const stored = secretKey && (await storeSecret(this.settings.dataDir, secretKey.kid, secretKey.secret));
      try {
        await this.validate(realm, text);
        await writeFileAtomic(realm.filePath, text);
      } catch (error) {
        await stored?.undo();
        throw error;
      }
      await this.apply();
      this.logger.log(`Instance ${pathOf(address)} ${done} in ${realm.file}`);
      // Taken before the next change in the queue can run, so it is the revision of this change.
      return { path: pathOf(address), revision: done === 'deleted' ? undefined : this.revision(address) };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Realms are the ones being served: a realm file not (yet) loaded is not known here. */
  private realm(path: string): LoadedRealm {
    const realm = this.realms.realmSet?.realms.find((r) => r.path === path);
    if (!realm) throw new NotFoundError(`No realm ${path}.`, { code: 'realm_not_found' });
    return realm;
  }

  private async readRealmFile(realm: LoadedRealm): Promise<string> {
    try {
      return await readFile(realm.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new ConflictError(`The realm file ${realm.file} of realm ${realm.path} is gone from disk; reload the configuration first.`, {
        code: 'realm_file_changed',
      });
    }
  }

  /** The whole configuration with the edited file, through the loader that loads the files. */
  private async validate(realm: LoadedRealm, text: string): Promise<void> {
    try {
      await this.realms.load(new Map([[realm.filePath, text]]));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new InvalidInstanceStateError(`The instance configuration is invalid: ${describe(error.problems, realm.file)}`, error.problems);
    }
  }

  /** Makes the written file live before answering; the watcher may reload it again, which is harmless. */
  private async apply(): Promise<void> {
    const outcome = await this.realms.reload();
    if (outcome.applied) return;
    // Only a concurrent edit of the files on disk gets here: the same content just passed validation.
    throw new ConflictError(
      `The realm file was written, but the configuration on disk did not load, so the previous one is still served: ${describe(outcome.error.problems, '')}`,
      { code: 'configuration_not_applied' },
    );
  }
}

function publishedState(realm: LoadedRealm, name: string): PublishedState {
  const instances = (realm.fileContent as { instances: Record<string, Record<string, unknown>> }).instances;
  return { realm: realm.path, name, ...structuredClone(instances[name]) };
}

/** Problems in the edited file by key path alone (`instances.x.oidc.signing_key: ...`), others with their file. */
function describe(problems: readonly ConfigProblem[], file: string): string {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => (problem.file === file && problem.path ? `${problem.path}: ${problem.message}` : formatConfigProblem(problem)));
  const more = problems.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
