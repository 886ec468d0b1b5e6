// Operator CLI: `pnpm deskgate tenant list|show|create|set`, `pnpm deskgate seed FILE`, `pnpm deskgate migrate`
// (`pnpm deskgate --help`). The commands are in ./cli/; this runs them on the process.
import { runCli } from './cli/run.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
