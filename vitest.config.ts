// One Vitest run for the whole repository: a project per package, Node for the server side and a real
// Chromium for the SDK's browser code. `pnpm vitest --project <name>` runs one of them.
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

/** A Node project for the package in `dir` (its `src/**\/*.test.ts` unless `include` says otherwise). */
const node = (name: string, dir: string, options: { isolate?: boolean; include?: string[] } = {}) => ({
  extends: true as const,
  test: { name, root: dir, include: ['src/**/*.test.ts'], environment: 'node', ...options },
});

export default defineConfig({
  test: {
    reporters: ['default', './scripts/reporters/vitest-counts.ts'],
    // Integration tests talk to a real OpenID Provider, SQLite and PostgreSQL: generous, never slept on.
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**', 'apps/*/src/**'],
      exclude: ['**/*.test.*', '**/test/**', '**/fixtures/**'],
      reporter: ['text-summary', 'html'],
      reportsDirectory: 'coverage',
    },
    projects: [
      // Pure logic shares no globals: one module graph for all its files is markedly faster.
      node('core', 'packages/core', { isolate: false }),
      node('store', 'packages/store'),
      node('dev-idp', 'packages/dev-idp'),
      node('dev-smtp', 'packages/dev-smtp'),
      node('api', 'apps/api'),
      node('demo', 'apps/demo'),
      // A smoke run of `pnpm bench` (bench/src/bench.test.ts): the harness, never the figures.
      node('bench', 'bench'),
      // The admin console's pure logic (its locale choice, messages, query strings).
      node('admin', 'apps/admin', { isolate: false }),
      // The SDK's build (Node); its code is tested in the browser project below.
      node('sdk-build', 'packages/sdk', { include: ['scripts/**/*.test.ts'] }),
      {
        // The SDK is browser code: its tests run in a real Chromium (real DOM, Shadow DOM, Web Crypto, Web Locks).
        extends: true,
        oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
        // Known up front, so Vite does not discover them mid-run and reload the test page.
        optimizeDeps: { include: ['preact', 'preact/jsx-runtime'] },
        test: {
          name: 'sdk',
          root: 'packages/sdk',
          include: ['src/**/*.test.{ts,tsx}'],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: '/usr/bin/chromium',
                args: ['--disable-gpu', '--disable-quic'],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
