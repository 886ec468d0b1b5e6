// `pnpm check:docker`: runs the Dockerfile's steps on this machine, as a docker build and run would, without a
// Docker daemon. It reads the Dockerfile (so it cannot drift from it), copies the build context (the files git
// knows, less .dockerignore) into a temp dir, runs the build stage's RUN steps there with /bin/sh, assembles the
// runtime stage from its COPY lines, deletes the build stage, then starts the image's CMD from the runtime tree
// with the image's ENV (as uid 1000 when run as root): GET /healthz and /sdk/deskgate.js must answer 200, the
// HEALTHCHECK command must pass, and SIGTERM must end it with exit code 0.
// The static rules (tags, non-root USER, HEALTHCHECK, Node 24) are `dockerfileProblems`, tested by Vitest.
//
// Each stage gets a directory that stands for its filesystem root: an absolute path in the Dockerfile (WORKDIR,
// COPY, an ENV value) is taken inside it. A RUN step may use relative paths and $VARIABLES, not literal
// absolute ones. Flags: --keep leaves the temp dir for a look.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  contextFiles,
  copyArgs,
  dockerfileProblems,
  execForm,
  healthcheckCommand,
  last,
  parseArg,
  parseDockerfile,
  parseEnv,
  substitute,
} from './dockerfile.ts';

// ---- running it ----

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const HEALTH_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** Numeric ids of the users a USER line may name (the node image's `node` is 1000). */
const USERS: Record<string, number> = { root: 0, node: 1000 };

/** A stage's filesystem, rooted in a directory of ours. */
interface StageFs {
  root: string;
  workdir: string;
  user: string;
  env: Record<string, string>;
}

const inStage = (fs: StageFs, path: string) =>
  join(fs.root, isAbsolute(path) ? path : posix.join(fs.workdir, path));

/** ENV values that are absolute paths point into the stage's root. */
function rebasedEnv(fs: StageFs): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fs.env).map(([name, value]) => [
      name,
      value.startsWith('/') ? join(fs.root, value) : value,
    ]),
  );
}

function uidOf(user: string): number | undefined {
  const name = user.split(':')[0]!;
  return /^\d+$/.test(name) ? Number(name) : USERS[name];
}

/** Runs as `user` only when we are root (elsewhere as ourselves). */
function identity(user: string): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = uidOf(user);
  if (uid === undefined)
    throw new Error(`USER ${user}: unknown user (known: ${Object.keys(USERS).join(', ')})`);
  return uid === 0 ? {} : { uid, gid: uid };
}

function run(command: string[], options: { cwd: string; env: Record<string, string>; user: string }) {
  return new Promise<void>((resolvePromise, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit'],
      ...identity(options.user),
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`${command.join(' ')} exited with ${signal ?? `code ${code}`}`)),
    );
  });
}

/** Docker's COPY: a directory's contents into the destination, files into a destination ending in / (or with several sources). */
async function copy(from: string, to: string, intoDir: boolean): Promise<void> {
  const info = await lstat(from).catch(() => undefined);
  if (!info) throw new Error(`COPY: ${from} does not exist`);
  const target = intoDir && !info.isDirectory() ? join(to, from.split('/').at(-1)!) : to;
  await mkdir(info.isDirectory() ? target : dirname(target), { recursive: true });
  // verbatimSymlinks: pnpm's relative links stay relative, as COPY keeps them.
  await cp(from, target, { recursive: true, verbatimSymlinks: true, force: true });
}

/** Every symlink under `dir`, with where it points. */
async function symlinks(dir: string): Promise<Array<{ path: string; target: string }>> {
  const out: Array<{ path: string; target: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, target: resolve(dirname(path), await readlink(path)) });
  }
  return out;
}

/** What pnpm sets for the scripts it runs (`pnpm check:docker`): not this machine's settings. */
const SCRIPT_ONLY = new Set(['npm_config_user_agent', 'pnpm_config_verify_deps_before_run']);

/** This machine's proxy, CA and npm/pnpm settings from the environment: how its builds reach the registry. */
function machineNetwork(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !SCRIPT_ONLY.has(entry[0]) &&
        /^((https?|no|all)_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|(npm|pnpm)_config_.+)$/i.test(
          entry[0],
        ),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Where a command is on this machine's PATH. */
function which(command: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  throw new Error(`${command} is not on PATH`);
}

async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  console.log(`\n▶ ${title}`);
  const result = await work();
  console.log(`  ✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

async function main(): Promise<void> {
  const started = Date.now();
  const keep = process.argv.includes('--keep');
  const dockerfile = parseDockerfile(await readFile(join(repoRoot, 'Dockerfile'), 'utf8'));
  const problems = dockerfileProblems(dockerfile);
  if (problems.length > 0) throw new Error(`the Dockerfile breaks the rules:\n  ${problems.join('\n  ')}`);
  const final = dockerfile.stages.at(-1)!;
  const nodeMajor = /^node:(\d+)/.exec(final.image)?.[1];
  if (nodeMajor !== process.versions.node.split('.')[0])
    throw new Error(
      `the image runs Node ${nodeMajor}, this machine ${process.version}: run the check on Node ${nodeMajor}`,
    );

  const temp = await mkdtemp(join(tmpdir(), 'deskgate-docker-'));
  // Readable by uid 1000, which the runtime stage's CMD runs as.
  await chmod(temp, 0o755);
  let server: ChildProcess | undefined;
  try {
    // What the node image has on its PATH (node, npm, npx) and the system's tools; not this machine's pnpm.
    const baseBin = join(temp, 'base-bin');
    await mkdir(baseBin);
    await symlink(process.execPath, join(baseBin, 'node'));
    for (const tool of ['npm', 'npx']) await symlink(which(tool), join(baseBin, tool));
    // npm install -g goes here rather than into this machine's /usr/local.
    const npmPrefix = join(temp, 'npm-global');
    const systemPath = ['/usr/local/sbin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(delimiter);
    const basePath = [join(npmPrefix, 'bin'), baseBin, systemPath].join(delimiter);
    // The runtime's HOME (the build stage keeps this machine's: its pnpm store and npm settings, as a build
    // machine's cache and proxy settings would serve a docker build).
    const home = join(temp, 'home');
    await mkdir(home, { mode: 0o777 });
    await chmod(home, 0o777);

    const context = join(temp, 'context');
    await step('copying the build context (git ls-files less .dockerignore)', async () => {
      const files = await contextFiles(repoRoot);
      for (const file of files) await copy(join(repoRoot, file), join(context, file), false);
      console.log(`  ${files.length} files`);
    });

    const stages = new Map<string, StageFs>();
    for (const stage of dockerfile.stages) {
      const fs: StageFs = { root: join(temp, 'stages', stage.name), workdir: '/', user: 'root', env: {} };
      await mkdir(fs.root, { recursive: true });
      await chmod(join(temp, 'stages'), 0o755);
      await chmod(fs.root, 0o755);
      stages.set(stage.name, fs);
      const args: Record<string, string> = {};
      const shell = ['/bin/sh', '-c'];
      for (const instruction of stage.instructions) {
        const vars = { ...args, ...fs.env };
        const { keyword } = instruction;
        const where = `${stage.name}:${instruction.line}`;
        if (keyword === 'ARG') {
          for (const [name, value] of Object.entries(parseArg(instruction.args)))
            args[name] = value || dockerfile.globalArgs[name] || '';
        } else if (keyword === 'ENV') {
          Object.assign(fs.env, parseEnv(instruction.args, vars));
        } else if (keyword === 'WORKDIR') {
          fs.workdir = posix.resolve(fs.workdir, substitute(instruction.args, vars));
          await mkdir(inStage(fs, fs.workdir), { recursive: true });
        } else if (keyword === 'USER') {
          fs.user = substitute(instruction.args, vars);
        } else if (keyword === 'SHELL') {
          shell.splice(0, shell.length, ...(execForm(instruction.args) ?? []));
        } else if (keyword === 'COPY' || keyword === 'ADD') {
          if (keyword === 'ADD') throw new Error(`${where}: ADD is not supported here; use COPY`);
          const { sources, dest } = copyArgs(instruction.args, vars);
          const from = instruction.flags.from;
          const source = from ? stages.get(from) : undefined;
          if (from && !source) throw new Error(`${where}: COPY --from=${from}: not an earlier stage`);
          const intoDir = dest.endsWith('/') || sources.length > 1;
          await step(`${stage.name}: COPY ${instruction.args}`, async () => {
            for (const src of sources) {
              if (/[*?[]/.test(src)) throw new Error(`${where}: COPY with wildcards is not supported here`);
              const path = source ? inStage(source, src) : join(context, src);
              await copy(path, inStage(fs, dest), intoDir);
            }
          });
        } else if (keyword === 'RUN') {
          const command = execForm(instruction.args) ?? [...shell, instruction.args];
          await step(`${stage.name}: RUN ${instruction.args}`, () =>
            run(command, {
              cwd: inStage(fs, fs.workdir),
              // A RUN sees the ARGs and ENVs; paths in ENV point into the stage.
              env: {
                ...machineNetwork(),
                PATH: basePath,
                HOME: process.env.HOME ?? home,
                npm_config_prefix: npmPrefix,
                ...args,
                ...rebasedEnv(fs),
              },
              user: fs.user,
            }),
          );
        }
      }
    }

    const runtime = stages.get(final.name)!;
    await step(
      'deleting the build context and the earlier stages (the runtime tree must stand alone)',
      async () => {
        await rm(context, { recursive: true, force: true });
        for (const [name, fs] of stages)
          if (name !== final.name) await rm(fs.root, { recursive: true, force: true });
        const outside = (await symlinks(runtime.root)).filter(
          ({ target }) => relative(runtime.root, target).startsWith('..') || !existsSync(target),
        );
        if (outside.length > 0)
          throw new Error(
            `symlinks of the runtime tree point outside it or nowhere:\n  ${outside
              .slice(0, 10)
              .map(({ path, target }) => `${relative(runtime.root, path)} -> ${target}`)
              .join('\n  ')}`,
          );
      },
    );

    await step('checking what the runtime tree holds (no dev dependencies, no tests)', async () => {
      const virtualStore = inStage(runtime, 'node_modules/.pnpm');
      const installed = await readdir(virtualStore);
      const devOnly = installed.filter((name) =>
        /^(vite|vitest|typescript|playwright|playwright-core|@playwright\+test|@biomejs\+biome|@vitest\+[^@]+)@/.test(
          name,
        ),
      );
      if (devOnly.length > 0) throw new Error(`dev dependencies in the runtime tree: ${devOnly.join(', ')}`);
      const all = await readdir(runtime.root, { recursive: true });
      const tests = all.filter((path) => /\.test\.tsx?$/.test(path) && !path.includes('node_modules'));
      if (tests.length > 0)
        throw new Error(`test files in the runtime tree: ${tests.slice(0, 5).join(', ')}`);
      console.log(`  ${installed.length} packages in node_modules/.pnpm`);
    });

    const cmd = execForm(last(final, 'CMD')!.args)!;
    const healthcheck = healthcheckCommand(last(final, 'HEALTHCHECK')!)!;
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: basePath,
      HOME: home,
      ...rebasedEnv(runtime),
      PORT: String(port),
    };
    const cwd = inStage(runtime, runtime.workdir);
    const output: string[] = [];

    await step(`starting CMD ${JSON.stringify(cmd)} as USER ${runtime.user} on port ${port}`, async () => {
      const child = spawn(cmd[0]!, cmd.slice(1), {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...identity(runtime.user),
      });
      server = child;
      for (const stream of [child.stdout, child.stderr]) {
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          output.push(chunk);
          process.stdout.write(chunk.replace(/^(?=.)/gm, '  │ '));
        });
      }
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code, signal) =>
          reject(new Error(`the API exited (${signal ?? `code ${code}`}) before it became healthy`)),
        ),
      );
      exited.catch(() => {});
      const deadline = Date.now() + HEALTH_TIMEOUT_MS;
      for (;;) {
        const status = await fetch(`http://127.0.0.1:${port}/healthz`, {
          signal: AbortSignal.timeout(2_000),
        }).then(
          async (response) => {
            await response.body?.cancel();
            return response.status;
          },
          () => 0,
        );
        if (status === 200) break;
        if (Date.now() > deadline)
          throw new Error(`GET /healthz did not answer 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 250))]);
      }
    });

    await step('GET /sdk/deskgate.js (the SDK build made it in) and the admin console', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/sdk/deskgate.js`);
      const body = await response.text();
      if (response.status !== 200 || body.length === 0)
        throw new Error(`GET /sdk/deskgate.js answered ${response.status}`);
      const notBuilt = output.join('').match(/[^\n]*is not built[^\n]*/);
      if (notBuilt) throw new Error(`the API says: ${notBuilt[0]}`);
    });

    await step(`HEALTHCHECK ${JSON.stringify(healthcheck)}`, () =>
      run(healthcheck, { cwd, env, user: runtime.user }),
    );

    await step('SIGTERM (STOPSIGNAL): the API must exit with code 0', async () => {
      const child = server!;
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        child.once('exit', (code, signal) => r({ code, signal })),
      );
      const signal = (last(final, 'STOPSIGNAL')?.args ?? 'SIGTERM') as NodeJS.Signals;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const { code, signal: by } = await exit;
      clearTimeout(timer);
      server = undefined;
      if (code !== 0) throw new Error(`the API exited with ${by ?? `code ${code}`} on ${signal}`);
      const data = env.DESKGATE_DATA_DIR;
      if (data && !existsSync(join(data, 'deskgate.sqlite')))
        throw new Error(`the embedded store is not in DESKGATE_DATA_DIR (${data})`);
    });

    console.log(`\nThe Dockerfile's steps work: ${((Date.now() - started) / 1000).toFixed(1)} s in all.`);
  } finally {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    if (keep) console.log(`Left in ${temp}`);
    else await rm(temp, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(`\ncheck-dockerfile: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
