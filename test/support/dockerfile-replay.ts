/**
 * Replays a Dockerfile's stages on this machine, without Docker: each stage gets a directory that
 * stands for its file system root, COPY copies into it (from the build context or an earlier
 * stage), and RUN executes there. Only the RUN steps our Dockerfile uses can be replayed: npm
 * commands, and `mkdir -p ... && chown ...`; anything else fails the replay, naming the step.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly name: string;
  readonly from: string;
  readonly instructions: Instruction[];
}

export interface ReplayedStage {
  /** The directory standing for the stage's `/`. */
  readonly root: string;
  /** WORKDIR at the end of the stage, inside the image. */
  readonly workdir: string;
  readonly env: Record<string, string>;
  /** The last value of USER, EXPOSE, CMD, HEALTHCHECK, VOLUME. */
  readonly settings: Record<string, string>;
}

export interface ReplayOptions {
  /** The build context (a copy of the repository). */
  readonly context: string;
  /** Where the stage directories go. */
  readonly workDir: string;
  /** Environment every RUN gets on top of the stage's ENV (PATH, HOME, npm settings). */
  readonly runEnv: Record<string, string>;
  /** Called after each npm RUN with the step and the directory it ran in. */
  readonly afterRun?: (step: Instruction, cwd: string) => Promise<void>;
}

/** Instructions per stage; continuation lines joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines.map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!keyword) throw new Error(`Dockerfile line not understood: ${line}`);
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ name: name ?? String(stages.length), from, instructions: [] });
    } else if (stages.length === 0) {
      throw new Error(`${upper} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push({ keyword: upper, args: args.replace(/\s+/g, ' ').trim() });
    }
  }
  return stages;
}

/** `K=V K2=V2` (values without spaces, as ours are). */
export function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(args.split(' ').map((pair) => pair.split(/=(.*)/s, 2) as [string, string]));
}

/** Replays every stage; stages run in parallel until a COPY --from waits for the one it names. */
export async function replayDockerfile(stages: readonly Stage[], options: ReplayOptions): Promise<Map<string, ReplayedStage>> {
  const running = new Map<string, Promise<ReplayedStage>>();
  for (const stage of stages) running.set(stage.name, replayStage(stage, options, running));
  const done = new Map<string, ReplayedStage>();
  for (const [name, promise] of running) done.set(name, await promise);
  return done;
}

async function replayStage(stage: Stage, options: ReplayOptions, others: Map<string, Promise<ReplayedStage>>): Promise<ReplayedStage> {
  const root = join(options.workDir, stage.name);
  await mkdir(root, { recursive: true });
  let workdir = '/';
  const env: Record<string, string> = {};
  const settings: Record<string, string> = {};
  for (const step of stage.instructions) {
    switch (step.keyword) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, step.args);
        await mkdir(join(root, workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(env, parseEnv(step.args));
        break;
      case 'COPY':
        await copyStep(step.args, root, workdir, options.context, others);
        break;
      case 'RUN':
        await runStep(step, root, join(root, workdir), { ...options.runEnv, ...env }, options);
        break;
      case 'USER':
      case 'EXPOSE':
      case 'CMD':
      case 'HEALTHCHECK':
      case 'VOLUME':
        settings[step.keyword] = step.args;
        break;
      default:
        throw new Error(`the replay does not know ${step.keyword} (stage ${stage.name}): ${step.args}`);
    }
  }
  return { root, workdir, env, settings };
}

async function copyStep(args: string, root: string, workdir: string, context: string, others: Map<string, Promise<ReplayedStage>>): Promise<void> {
  const words = args.split(' ');
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  const unknown = flags.filter((f) => !f.startsWith('--from=') && !f.startsWith('--chown='));
  if (unknown.length > 0 || paths.length < 2) throw new Error(`the replay does not know COPY ${args}`);
  const sourceRoot = from === undefined ? context : (await others.get(from)!).root;
  const written = paths.pop()!;
  const destination = posix.resolve(workdir, written);
  const intoDirectory = written.endsWith('/') || paths.length > 1;
  for (const source of paths) {
    const target = join(root, intoDirectory ? posix.join(destination, basename(source)) : destination);
    await cp(join(sourceRoot, source), target, { recursive: true });
  }
}

async function runStep(step: Instruction, root: string, cwd: string, env: Record<string, string>, options: ReplayOptions): Promise<void> {
  const mkdirChown = /^mkdir -p ((?:\/\S+ )+)&& chown \S+ (\/\S+)$/.exec(step.args);
  if (mkdirChown) {
    const made = mkdirChown[1].trim().split(' ');
    // Ownership cannot be replayed without root; it must at least name a directory just made.
    if (!made.includes(mkdirChown[2])) throw new Error(`RUN ${step.args}: chown of a directory it did not make`);
    for (const dir of made) await mkdir(join(root, dir), { recursive: true });
    return;
  }
  if (!/^npm (ci|run) /.test(step.args)) throw new Error(`the replay cannot run RUN ${step.args}; teach test/support/dockerfile-replay.ts`);
  if (!existsSync(cwd)) throw new Error(`RUN ${step.args}: working directory ${cwd} is missing`);
  await run('sh', ['-c', step.args], { cwd, env, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`RUN ${step.args} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  await options.afterRun?.(step, cwd);
}

export async function readDockerfile(path: string): Promise<Stage[]> {
  return parseDockerfile(await readFile(path, 'utf8'));
}
