// `vite` / `vite build` / `vite preview` in apps/demo: the agent desktop against the API named by the environment.
import { defineConfig } from 'vite';
import { demoConfig } from './src/config.ts';

export default defineConfig(
  demoConfig({
    apiUrl: process.env.DESKGATE_API_URL ?? 'http://127.0.0.1:8787',
    tenant: process.env.DEMO_TENANT ?? 'demo',
  }),
);
