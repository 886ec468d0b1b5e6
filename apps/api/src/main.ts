// Node entry (`node apps/api/src/main.ts`): turns on Node's compile cache before the server's modules load, then
// starts it (serve.ts). Node strips the types of each .ts module as it loads; with the cache, a restart reads
// the stripped and compiled code back instead, which starts faster and keeps some 30 MB less resident
// (BENCHMARKS.md). The cache lives in NODE_COMPILE_CACHE, or else in the system's temporary directory. Only
// NODE_COMPILE_CACHE (the image sets it) covers this file too, so that Node never loads its type stripper.
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./serve.ts');
