// Operator CLI: `pnpm deskgate tenant list|show|create|set`, `jwt-key …`, `jwt check`, `seed FILE`, `migrate`
// (`pnpm deskgate --help`). The commands are in ./cli/; this runs them on the process.
import { runCli } from './cli/run.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: async () => {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text;
  },
  stdout: process.stdout,
  stderr: process.stderr,
});
