// `vite` / `vite build` / `vite preview` in apps/demo: the agent desktop against the API named by the environment.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { demoConfig } from './src/config.ts';
import { platformKeysFromSeed } from './src/platform.ts';
import { apiKeyFromSeed } from './src/widget.ts';

const tenant = process.env.DEMO_TENANT ?? 'demo';
const seedFile = process.env.DEMO_SEED_FILE ?? fileURLToPath(new URL('seed.json', import.meta.url));

export default defineConfig(
  demoConfig({
    apiUrl: process.env.DESKGATE_API_URL ?? 'http://127.0.0.1:8787',
    tenant,
    // The demo platform backend (?platform=1) signs with the tenant's keys from the seed file.
    platform: platformKeysFromSeed(seedFile, tenant),
    // The desktop's link opens the LiveEngage-style widget with the tenant's API key from the seed file.
    apiKey: apiKeyFromSeed(seedFile, tenant),
  }),
);
