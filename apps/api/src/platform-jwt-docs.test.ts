// The token-minting snippets of docs/platform-jwt.md work as printed: each is run (where its language is
// installed) with a real key, and the token it prints signs an agent in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JwtKeyService } from './services/jwt-keys.ts';
import { createHarness, type Harness, Jar, TENANT } from './test/harness.ts';

const exec = promisify(execFile);
const DOC = new URL('../../../docs/platform-jwt.md', import.meta.url);
const API_DIR = new URL('..', import.meta.url).pathname;

/** The code block after `<!-- mint:{name} -->`. */
async function snippet(name: string): Promise<string> {
  const text = await readFile(DOC, 'utf8');
  const block = new RegExp(`<!-- mint:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(text)?.[1];
  if (!block) throw new Error(`docs/platform-jwt.md has no mint:${name} snippet`);
  return block;
}

async function installed(command: string, args: string[]): Promise<boolean> {
  return exec(command, args).then(
    () => true,
    () => false,
  );
}

let h: Harness;
let env: Record<string, string>;
let tmp: string;
beforeAll(async () => {
  h = await createHarness({ tenant: { platformJwt: { profiles: { session: { preset: 'messenger' } } } } });
  const key = await new JwtKeyService(h.store, h.deps.keys, h.now).create(TENANT, 'session');
  env = { ...process.env, DESKGATE_KID: key.kid, DESKGATE_SECRET: key.secret } as Record<string, string>;
  tmp = await mkdtemp(join(tmpdir(), 'deskgate-docs-'));
});
afterAll(async () => {
  await h.close();
  await rm(tmp, { recursive: true, force: true });
});

async function signsIn(token: string) {
  const response = await h.sdk(paths.sessionJwt(TENANT), { body: { token: token.trim() }, jar: new Jar() });
  assert.equal(response.status, 200, await response.clone().text());
  const { user } = (await response.json()) as { user: { email: string; name: string } };
  assert.deepEqual({ email: user.email, name: user.name }, { email: 'agent@example.com', name: 'Ann Agent' });
}

describe('docs/platform-jwt.md: minting snippets', () => {
  it('Node (jose)', async () => {
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', await snippet('node')], {
      cwd: API_DIR,
      env,
    });
    await signsIn(stdout);
  });

  it('Python (PyJWT)', async (context) => {
    if (!(await installed('/usr/bin/python3', ['-c', 'import jwt']))) context.skip('PyJWT is not installed');
    const { stdout } = await exec('/usr/bin/python3', ['-c', await snippet('python')], { env });
    await signsIn(stdout);
  });

  it('PHP', async (context) => {
    if (!(await installed('php', ['--version']))) context.skip('php is not installed');
    const file = join(tmp, 'mint.php');
    await writeFile(file, await snippet('php'));
    const { stdout } = await exec('php', [file], { env });
    await signsIn(stdout);
  });
});
