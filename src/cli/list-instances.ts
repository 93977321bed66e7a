/** `rest-sts list-instances`: the STS instances a configuration serves and their transforms. */
import { Command, EXIT_ERROR, EXIT_OK, parseCommandLine } from './cli-support';
import { DIRECTORY_HELP, DIRECTORY_OPTIONS, directories, loadOrReport } from './load-configuration';

export const listInstancesCommand: Command = {
  name: 'list-instances',
  summary: 'list the STS instances (path and supported transforms) of a configuration',
  help: `Usage: rest-sts list-instances [--config-dir DIR] [--data-dir DIR] [--plugins-dir DIR]

Prints one line per instance: its path (/rest-sts<path>) and its supported token transforms,
e.g. "/default  USERNAME->OPENIDCONNECT, USERNAME->JWT". The configuration is loaded and checked
as by check-config; a configuration the server would refuse is reported the same way.

  npx rest-sts list-instances --config-dir config

Options:
${DIRECTORY_HELP}
Exit codes: 0 listed, 1 invalid configuration or bad option.`,

  async run(argv) {
    const { values } = parseCommandLine(argv, DIRECTORY_OPTIONS);
    const loaded = await loadOrReport('list-instances', directories(values));
    if (!loaded) return EXIT_ERROR;
    for (const { instance } of loaded.realms.instances) {
      const transforms = instance.settings.supported_token_transforms.map((t) => `${t.from}->${t.to}`);
      process.stdout.write(`${instance.path}  ${transforms.join(', ')}\n`);
    }
    return EXIT_OK;
  },
};
