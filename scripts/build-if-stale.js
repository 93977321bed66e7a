'use strict';
/**
 * Run before `npm start` (prestart): builds with `npm run build` only when dist/ is missing or
 * older than what it is compiled from, so a start after no change skips the ~9 s compile.
 *
 *   node scripts/build-if-stale.js            build if stale
 *   node scripts/build-if-stale.js --check    build nothing; exit 1 naming the reason if stale
 *                                             (prestart:prod: production runs what was built)
 *   node scripts/build-if-stale.js --dry-run  say what it would do
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
// tsc (not incremental) rewrites every output file on each build, this one included.
const OUTPUT = 'dist/main.js';
const INPUTS = ['src', 'console-ui', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** Why dist/ needs a build, or undefined when it is up to date. */
function staleReason(root) {
  const output = join(root, OUTPUT);
  if (!existsSync(output)) return `${OUTPUT} is missing`;
  const builtAt = statSync(output).mtimeMs;
  const newest = INPUTS.map((input) => newestUnder(root, input)).reduce((a, b) => (b && (!a || b.mtimeMs > a.mtimeMs) ? b : a), undefined);
  return newest && newest.mtimeMs > builtAt ? `${newest.path} changed after the last build` : undefined;
}

/** The newest file or directory at `path` (a directory's time changes when a file in it is deleted or renamed). */
function newestUnder(root, path) {
  const full = join(root, path);
  if (!existsSync(full)) return undefined;
  const stat = statSync(full);
  let newest = { path, mtimeMs: stat.mtimeMs };
  if (stat.isDirectory()) {
    for (const entry of readdirSync(full)) {
      if (entry.endsWith('.spec.ts')) continue; // tsconfig.build.json leaves specs out of dist/
      const inner = newestUnder(root, `${path}/${entry}`);
      if (inner && inner.mtimeMs > newest.mtimeMs) newest = inner;
    }
  }
  return newest;
}

function main(mode) {
  if (mode !== undefined && mode !== '--check' && mode !== '--dry-run') {
    console.error(`build-if-stale: unknown option ${mode}; use --check, --dry-run or nothing`);
    return 2;
  }
  const reason = staleReason(ROOT);
  if (!reason) {
    console.log(`build-if-stale: ${OUTPUT} is up to date; not rebuilding`);
    return 0;
  }
  if (mode === '--check') {
    console.error(`build-if-stale: dist/ is out of date (${reason}). This start builds nothing; run \`npm run build\` first.`);
    return 1;
  }
  if (mode === '--dry-run') {
    console.log(`build-if-stale: would build (${reason})`);
    return 0;
  }
  console.log(`build-if-stale: building (${reason})`);
  // Until a build succeeds dist/ counts as missing: tsc writes its output even when it reports
  // errors, and a build cut short must not pass for current at the next start.
  rmSync(join(ROOT, OUTPUT), { force: true });
  // Under npm, npm_execpath is the npm that runs us; otherwise the one on PATH.
  const [command, ...args] = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const build = spawnSync(command, [...args, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status === 0) return 0;
  rmSync(join(ROOT, OUTPUT), { force: true });
  return build.status ?? 1;
}

process.exitCode = main(process.argv[2]);
