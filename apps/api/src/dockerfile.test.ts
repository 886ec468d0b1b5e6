// The container image's static rules, read from the repository's Dockerfile, .dockerignore, compose.yaml and
// deploy/nginx.conf. `pnpm check:docker` runs the Dockerfile's steps for real (too slow for this run).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import {
  dockerfileProblems,
  execForm,
  healthcheckCommand,
  ignored,
  last,
  parseDockerfile,
  parseDockerignore,
  parseEnv,
  parseInstructions,
  stageEnv,
  substitute,
  words,
} from '../../../scripts/dockerfile.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const dockerfile = parseDockerfile(read('Dockerfile'));
const final = dockerfile.stages.at(-1)!;

describe('Dockerfile', () => {
  it('keeps every rule: pinned tags, Node 24, non-root USER, HEALTHCHECK, SIGTERM, production env', () => {
    assert.deepEqual(dockerfileProblems(dockerfile), []);
  });

  it('builds in one stage and runs from another', () => {
    assert.deepEqual(
      dockerfile.stages.map((stage) => [stage.name, stage.image]),
      [
        ['build', 'node:24-bookworm-slim'],
        ['runtime', 'node:24-bookworm-slim'],
      ],
    );
    const runs = dockerfile.stages[0]!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    assert.ok(runs.some((run) => /^npm install -g .*pnpm@/.test(run)));
    assert.ok(runs.includes('pnpm install --frozen-lockfile --offline'));
    assert.ok(runs.includes('pnpm build'));
    assert.ok(runs.some((run) => run.includes('pnpm install --prod --frozen-lockfile')));
  });

  it('runs the API as node with the data in /data and the built SDK and console named', () => {
    assert.equal(last(final, 'USER')?.args, 'node');
    assert.deepEqual(execForm(last(final, 'CMD')!.args), ['node', 'apps/api/src/main.ts']);
    assert.deepEqual(execForm(last(final, 'VOLUME')!.args), ['/data']);
    const env = stageEnv(final, dockerfile.globalArgs);
    assert.equal(env.DESKGATE_DATA_DIR, '/data');
    assert.equal(env.PORT, '8787');
    // The API finds the dist folders through its devDependencies otherwise, which a --prod install leaves out.
    assert.equal(env.DESKGATE_SDK_DIR, '/app/packages/sdk/dist');
    assert.equal(env.DESKGATE_ADMIN_DIR, '/app/apps/admin/dist');
    const health = healthcheckCommand(last(final, 'HEALTHCHECK')!)!;
    assert.equal(health[0], 'node');
    assert.match(health.join(' '), /http:\/\/127\.0\.0\.1:.*\/healthz/);
  });

  it('copies only what runs into the final stage: no sources of the SDK or console, no tests', () => {
    const copied = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => words(i.args)[0]);
    assert.ok(copied.includes('/app/apps/api'));
    assert.ok(copied.includes('/app/packages/sdk/dist'));
    assert.ok(copied.includes('/app/apps/admin/dist'));
    for (const source of ['/app/packages/sdk', '/app/apps/admin', '/app/e2e', '/app', '.'])
      assert.ok(!copied.includes(source), `copies ${source}`);
  });
});

describe('.dockerignore', () => {
  const rules = parseDockerignore(read('.dockerignore'));

  it('leaves out dependencies, builds, data, git, tests and end-to-end tests', () => {
    for (const path of [
      'node_modules/vite/package.json',
      'apps/api/node_modules/hono/package.json',
      'packages/sdk/dist/deskgate.js',
      'data/deskgate.sqlite',
      'apps/api/data/master.key',
      '.git/HEAD',
      'apps/api/src/main.test.ts',
      'packages/sdk/src/overlay.test.tsx',
      'apps/api/src/test/harness.ts',
      'e2e/session.spec.ts',
      'test-results/x.json',
      'docs/operations.md',
    ])
      assert.ok(ignored(path, rules), `${path} is sent`);
  });

  it('sends the sources, manifests and lockfile a build needs', () => {
    for (const path of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'apps/api/src/main.ts',
      'apps/api/package.json',
      'packages/sdk/vite.config.ts',
      'packages/sdk/scripts/types.ts',
      'e2e/package.json',
    ])
      assert.ok(!ignored(path, rules), `${path} is left out`);
  });
});

describe('compose.yaml', () => {
  const compose = read('compose.yaml');
  const nginx = read('deploy/nginx.conf');

  it('pins every image to a tag that is not latest', () => {
    const images = [...compose.matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => m[1]!);
    assert.ok(images.length >= 4);
    for (const image of images) {
      assert.match(image, /:[^/]+$/, `${image} has no tag`);
      assert.doesNotMatch(image, /:latest$/);
    }
  });

  it('runs api-a and api-b from the Dockerfile on PostgreSQL, mail to the sink, behind the load balancer', () => {
    for (const service of ['api-a', 'api-b', 'postgres', 'mailpit', 'lb'])
      assert.match(compose, new RegExp(`^  ${service}:`, 'm'), `no service ${service}`);
    assert.match(compose, /^\s*build: \.$/m);
    assert.match(compose, /DESKGATE_MASTER_KEY: \$\{DESKGATE_MASTER_KEY:\?/);
    assert.match(compose, /DATABASE_URL: postgres:\/\/\S+@postgres:5432\//);
    assert.match(compose, /SMTP_URL: smtp:\/\/mailpit:1025/);
    assert.match(compose, /DESKGATE_TRUSTED_PROXY_HOPS: "1"/);
    assert.match(compose, /condition: service_healthy/);
    assert.match(nginx, /server api-a:8787/);
    assert.match(nginx, /server api-b:8787/);
    assert.match(nginx, /X-Forwarded-For \$proxy_add_x_forwarded_for/);
  });
});

describe('the Dockerfile reader', () => {
  const text = [
    'ARG BASE=node:24-slim',
    `FROM \${BASE} AS build`,
    '# a comment',
    'RUN echo one \\',
    '  # a comment inside a continuation',
    '  && echo two',
    'FROM node:latest',
    `ENV A=1 B="two words" C=\${A}x`,
    'ENV LEGACY some value',
    'COPY --from=build --chown=node:node /app/dist ./dist',
    'HEALTHCHECK --interval=5s CMD node -e "1"',
    'CMD node main.ts',
  ].join('\n');

  it('joins continuations, skips comments, reads flags and stage names', () => {
    const parsed = parseDockerfile(text);
    assert.deepEqual(parsed.globalArgs, { BASE: 'node:24-slim' });
    assert.deepEqual(
      parsed.stages.map((s) => [s.name, s.image]),
      [
        ['build', 'node:24-slim'],
        ['1', 'node:latest'],
      ],
    );
    assert.equal(parsed.stages[0]!.instructions[0]!.args, 'echo one && echo two');
    const copy = parseInstructions(text).find((i) => i.keyword === 'COPY')!;
    assert.deepEqual(copy.flags, { from: 'build', chown: 'node:node' });
    assert.equal(copy.args, '/app/dist ./dist');
    assert.deepEqual(stageEnv(parsed.stages[1]!, parsed.globalArgs), {
      A: '1',
      B: 'two words',
      C: '1x',
      LEGACY: 'some value',
    });
  });

  it('reports the broken rules', () => {
    assert.deepEqual(dockerfileProblems(parseDockerfile(text)), [
      'FROM node:latest: no latest tags',
      'the final stage must be based on Node 24 (node:24-…), not node:latest',
      'the final stage must set a non-root USER',
      'the final stage must have an exec-form CMD ["node", …]',
      'the final stage must STOPSIGNAL SIGTERM',
      'the final stage must EXPOSE 8787',
      'the final stage must set ENV NODE_ENV=production',
      'the final stage must set ENV HOST=0.0.0.0',
      'the final stage must set ENV DESKGATE_DATA_DIR',
    ]);
    const untagged = parseDockerfile('FROM node\nUSER root');
    assert.ok(dockerfileProblems(untagged).includes('FROM node: pin a tag'));
    assert.ok(dockerfileProblems(untagged).includes('the final stage must set a non-root USER'));
  });

  it('substitutes variables and splits words as a shell would', () => {
    assert.equal(substitute(`\${A}-$B-\${C:-c}-\${A:+set}`, { A: 'a', B: 'b' }), 'a-b-c-set');
    assert.deepEqual(words(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
    assert.deepEqual(parseEnv('X=1 Y=$X', {}), { X: '1', Y: '1' });
  });

  it('matches .dockerignore as Docker does: anchored at the root, ** for any depth, ! to take back', () => {
    const rules = parseDockerignore('node_modules\n**/dist\ne2e/*\n!e2e/package.json\n');
    assert.ok(ignored('node_modules/x', rules));
    assert.ok(!ignored('apps/api/node_modules/x', rules));
    assert.ok(ignored('dist/a.js', rules));
    assert.ok(ignored('packages/sdk/dist/a.js', rules));
    assert.ok(ignored('e2e/a.spec.ts', rules));
    assert.ok(!ignored('e2e/package.json', rules));
  });
});
