import type fc from 'fast-check';

// --- Budget ---------------------------------------------------------------------------------------------

/** Runs of each property: small inside `pnpm test`, large under `pnpm fuzz` (DESKGATE_FUZZ_RUNS). */
export const FUZZ_RUNS = positiveInt(process.env.DESKGATE_FUZZ_RUNS) ?? 500;
/** Replays one failure: the seed (and path) fast-check printed. */
export const FUZZ_SEED = integer(process.env.DESKGATE_FUZZ_SEED);
export const FUZZ_PATH = process.env.DESKGATE_FUZZ_PATH || undefined;
/** A request that takes longer than this is a hang. */
export const REQUEST_TIMEOUT_MS = 5_000;

export function positiveInt(text: string | undefined) {
  const n = integer(text);
  return n !== undefined && n > 0 ? n : undefined;
}
export function integer(text: string | undefined) {
  return text && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** fc.assert's parameters: the run count, and the seed and path of a replay. */
export function runParameters(): fc.Parameters<unknown> {
  return {
    numRuns: FUZZ_RUNS,
    ...(FUZZ_SEED !== undefined && { seed: FUZZ_SEED }),
    ...(FUZZ_PATH !== undefined && { path: FUZZ_PATH, endOnFailure: true }),
  };
}

// --- The route inventory --------------------------------------------------------------------------------

export interface RouteSpec {
  method: string;
  /** Hono's pattern, with `:param`s. */
  path: string;
  /** The SDK calls it cross-origin: the pattern has middleware of its own (the SDK's CORS) for every method. */
  sdk: boolean;
}

/**
 * The endpoints of the app's route table: one per method and pattern. `ALL` entries are middleware (CORS,
 * tenant loading, audit) in front of concrete routes, and `*` patterns are catch-alls: both are reached
 * through the concrete routes and the unknown paths below.
 */
export function routeInventory(routes: readonly { method: string; path: string }[]): RouteSpec[] {
  const seen = new Map<string, RouteSpec>();
  const cors = new Set(routes.filter((r) => r.method === 'ALL').map((r) => r.path));
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    seen.set(`${method} ${path}`, { method, path, sdk: cors.has(path) });
  }
  return [...seen.values()];
}
