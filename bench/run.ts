/**
 * `npm run bench`: builds (npm script), writes its own configuration, measures the ceilings, the
 * scenarios and the peer at 1 and 2 workers, prints the tables and writes bench/results.json and
 * its chart, bench/results.svg. `--quick` is the short form a test runs to keep this working.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeBenchConfig } from './bench-config';
import { renderChart } from './chart';
import { parseOptions } from './options';
import { formatMultiNode, measureMultiNode, type MultiNodeResult } from './multi-node';
import { formatReport } from './report';
import { buildResults, runFacts } from './results';
import { scenarios } from './scenarios';
import { measureWorkerPass, type WorkerPass } from './worker-pass';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // The token-fulfillment scenario needs a slapd (Debian package slapd); without one it is left out.
  const directory = existsSync(process.env.SLAPD ?? '/usr/sbin/slapd');
  if (!directory) process.stderr.write('slapd is not installed: the token-fulfillment scenario is left out\n');
  const config = await writeBenchConfig({ directory });
  const all = scenarios(config);
  const passes: WorkerPass[] = [];
  let multiNode: MultiNodeResult | undefined;
  const settings = { connections: options.connections, warmupSeconds: options.warmupSeconds, seconds: options.seconds };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (options.onlyMultiNode) {
    try {
      // The STS processes generate the bench keys into the shared data directory on first start.
      process.stdout.write(`${formatMultiNode(await measureMultiNode(config, settings, options.quick, log))}\n`);
    } finally {
      rmSync(dirname(config.configDir), { recursive: true, force: true });
    }
    return;
  }
  try {
    const unknown = options.only.filter((name) => !all.some((s) => s.name === name));
    if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; scenarios: ${all.map((s) => s.name).join(', ')}`);
    const chosen = options.only.length > 0 ? all.filter((s) => options.only.includes(s.name)) : all;
    for (const [index, workers] of options.workerCounts.entries()) {
      // --quick keeps the scaling pass to one scenario and the peer to the headline pass.
      const subset = options.quick && index > 0 ? chosen.filter((s) => s.name === 'oidc-es256>oidc-es256') : chosen;
      passes.push(await measureWorkerPass(workers, config, subset, settings, !(options.quick && index > 0), log));
    }
    if (options.multiNode) multiNode = await measureMultiNode(config, settings, options.quick, log);
  } finally {
    await config.directory?.dispose();
    rmSync(dirname(config.configDir), { recursive: true, force: true });
  }
  const results = { ...buildResults(passes, all, runFacts(options.connections, options.seconds, options.quick)), ...(multiNode && { multi_node: multiNode }) };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
  const chart = chartPath(options.out);
  writeFileSync(chart, renderChart(results));
  const multiNodeReport = multiNode ? `\n\n${formatMultiNode(multiNode)}` : '';
  process.stdout.write(`${formatReport(results)}${multiNodeReport}\n\nwritten: ${options.out}, ${chart}\n`);
}

/** results.json -> results.svg, beside it. */
function chartPath(out: string): string {
  return out.replace(/(\.json)?$/, '.svg');
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
