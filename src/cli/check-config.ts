/** `rest-sts check-config`: the start-up checks of the server, without starting it. */
import { Command, EXIT_ERROR, EXIT_OK, parseCommandLine } from './cli-support';
import { DIRECTORY_HELP, DIRECTORY_OPTIONS, directories, loadOrReport } from './load-configuration';

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a configuration directory as the server does at start-up',
  help: `Usage: rest-sts check-config [--config-dir DIR] [--data-dir DIR] [--plugins-dir DIR]

Loads server.yaml, the plugins and every realm file with the server's own loader and prints
the same problems the server prints when it refuses to start (file: key path: reason). No HTTP
server is started and nothing is written: generated keys and due rotation steps are made in a
temporary copy of DIR/keys, and the token store (SQLite file or Redis) is not opened.

  npx rest-sts check-config --config-dir config

Options:
${DIRECTORY_HELP}
Warnings go to stderr and leave the exit code alone: a plugin folder that fails to load, and an
instance bound to a plugin that is not loaded (its requests would answer 503 plugin_unavailable).
With STS_REQUIRE_PLUGINS=true the latter is an error, as it is for the server.

Exit codes: 0 valid (one summary line on stdout), 1 invalid (the problems on stderr) or bad option.`,

  async run(argv) {
    const { values } = parseCommandLine(argv, DIRECTORY_OPTIONS);
    const dirs = directories(values);
    const loaded = await loadOrReport('check-config', dirs);
    if (!loaded) return EXIT_ERROR;
    const { realms } = loaded.realms;
    const instances = loaded.realms.instances.map((i) => i.instance.path);
    const generated = loaded.keysToGenerate.length ? `; on first start the server generates ${loaded.keysToGenerate.join(', ')} in ${dirs.dataDir}/keys` : '';
    process.stdout.write(
      `configuration OK: ${realms.length} realm(s) (${realms.map((r) => r.path).join(', ')}), ${instances.length} instance(s) (${instances.join(', ')})${generated}\n`,
    );
    return EXIT_OK;
  },
};
