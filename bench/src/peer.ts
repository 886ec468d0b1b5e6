// Runs the peer (peer-server.ts) in a child process and loads its token endpoint the way ours is loaded.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadResult, load, peakRssMb } from './load.ts';

const SERVER = fileURLToPath(new URL('./peer-server.ts', import.meta.url));
const CLIENT = 'client_id=bench&client_secret=bench-client-secret-0123456789';

export interface PeerResults {
  refresh: { peak: LoadResult; half: LoadResult };
  clientCredentials: LoadResult;
  rssMb: number;
}

export async function benchPeer(options: { connections: number; amount: number }): Promise<PeerResults> {
  const dir = await mkdtemp(join(tmpdir(), 'deskgate-peer-'));
  const tokensFile = join(dir, 'tokens');
  const needed = options.amount + Math.ceil(options.amount / 2);
  const child = spawn(process.execPath, [SERVER, tokensFile, String(needed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        const match = /listening (\d+)/.exec(String(chunk));
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the peer exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const tokens = (await readFile(tokensFile, 'utf8')).split('\n');
    let i = 0;
    const refresh = (amount: number, rate?: number) =>
      load({
        url,
        connections: options.connections,
        amount,
        ...(rate && { rate }),
        method: 'POST',
        path: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
        next: (request) => {
          request.body = `grant_type=refresh_token&refresh_token=${tokens[i++]}&${CLIENT}`;
        },
      });
    const peak = await refresh(options.amount);
    const half = await refresh(Math.floor(options.amount / 2), Math.max(1, Math.round(peak.rps / 2)));
    const clientCredentials = await load({
      url,
      connections: options.connections,
      amount: options.amount,
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&scope=api&${CLIENT}`,
    });
    return { refresh: { peak, half }, clientCredentials, rssMb: await peakRssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}
