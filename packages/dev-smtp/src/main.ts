// Runs the dev SMTP server on its own: `node packages/dev-smtp/src/main.ts`, configured from the environment.
import { startDevSmtp } from './server.ts';

const smtp = await startDevSmtp({
  host: process.env.DEV_SMTP_HOST ?? '127.0.0.1',
  smtpPort: Number(process.env.DEV_SMTP_PORT ?? 1025),
  httpPort: Number(process.env.DEV_SMTP_HTTP_PORT ?? 8025),
});

console.log(`dev SMTP capturing mail at ${smtp.smtpUrl}`);
console.log(`  messages: ${smtp.url}  (JSON: ${smtp.url}/messages.json)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    smtp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
