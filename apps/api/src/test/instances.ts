// API instances as operators run them, for the multi-instance and fault tests: `node apps/api/src/main.ts` as
// a child process with its own environment and a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface Instance {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it wrote on stdout and stderr so far. */
  output: string[];
  /** Resolves with the exit code and signal once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts an instance and resolves once it listens. `env` comes last, so it may set DESKGATE_PUBLIC_URL (the
 * instances behind one balancer share its URL: the access token's issuer).
 */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DESKGATE_PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.join('').includes('listening on')) resolve();
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`the API exited (${code}):\n${output.join('')}`)));
  });
  return { url, port, child, output, exited };
}

/** SIGTERM, then the exit. */
export async function stopInstance(instance: Instance) {
  if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGTERM');
  return instance.exited;
}
