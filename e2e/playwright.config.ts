// Playwright Test: every spec in Chromium (third-party cookies blocked) and in Firefox ESR (over WebDriver
// BiDi), against one stack started by the global setup. Debian's browsers only; Playwright downloads none.
import { defineConfig } from '@playwright/test';

// Browsers reach the test sites on loopback by name (cx.test is the CX platform, auth.test the API, evil.test
// the attacker's site of attack.spec.ts).
const CHROMIUM_ARGS = ['--host-resolver-rules=MAP *.test 127.0.0.1', '--disable-gpu', '--disable-quic'];
const FIREFOX_PREFS = { 'network.dns.localDomains': 'cx.test,auth.test,evil.test' };

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  // The specs share one API whose clock they move: one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: '../test-results',
  reporter: [['list'], ['../scripts/reporters/playwright-counts.ts']],
  use: {
    ignoreHTTPSErrors: true,
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
      },
    },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        // Debian's firefox-esr, driven over WebDriver BiDi. Playwright is pinned to 1.64.1 in the catalog:
        // 1.65 sends emulation.setMediaFeaturesOverride, which ESR 153 rejects as an unknown command.
        // `channel` is not in Playwright's type declarations for Firefox, hence the cast.
        ...({ channel: 'moz-firefox' } as object),
        launchOptions: { executablePath: '/usr/bin/firefox-esr', firefoxUserPrefs: FIREFOX_PREFS },
      },
    },
  ],
});
