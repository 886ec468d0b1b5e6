// `pnpm bench [--smoke] [--no-browsers] [--out FILE]`: runs every benchmark and writes BENCHMARKS.md (or FILE).
// DATABASE_URL (a PostgreSQL server where a scratch database may be created) adds the PostgreSQL figures.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderReport } from './report.ts';
import { runBench } from './run.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'no-browsers': { type: 'boolean', default: false },
    out: { type: 'string', default: 'BENCHMARKS.md' },
  },
});
const results = await runBench({
  smoke: values.smoke,
  databaseUrl: process.env.DATABASE_URL,
  browsers: !values['no-browsers'],
  log: (line) => console.log(`bench: ${line}`),
});
await writeFile(values.out, renderReport(results));
console.log(`bench: wrote ${values.out}`);
