/** Assertions on configuration refusals: a ConfigError whose problems name file, key path and reason. */
import { ConfigError, type ConfigProblem } from '../../src/realms/config-problem';

/** The ConfigError `loading` rejects with; fails the test when it resolves or throws anything else. */
export async function configErrorOf(loading: Promise<unknown>): Promise<ConfigError> {
  const caught = await loading.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

/** One problem in `realms/<fileName>` at `path` whose message matches, also in the printed error. */
export function expectConfigProblem(error: ConfigError, path: string, message: RegExp, fileName = 'root.yaml'): void {
  const file = fileName.replace(/[.]/g, '\\.');
  expect(error.problems).toContainEqual(
    expect.objectContaining<Partial<ConfigProblem>>({
      file: expect.stringMatching(new RegExp(`(^|/)realms/${file}$`)),
      path,
      message: expect.stringMatching(message),
    }),
  );
  expect(error.message).toMatch(new RegExp(`realms/${file}: ${path.replace(/[.[\]]/g, '\\$&')}: `));
}
