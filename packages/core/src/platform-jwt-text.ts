// The text of a platform JWT, read strictly before any key is touched: canonical base64url segments, UTF-8 that
// must be valid, JSON objects, and the member names of a header (JSON.parse hides a repeated one).

/** Strict: invalid UTF-8 fails, and a byte order mark is kept (so that JSON.parse refuses it). */
export const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** base64url without padding, canonical (unused trailing bits zero), as RFC 7515 requires; else undefined. */
export function decodeSegment(segment: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? new Uint8Array(bytes) : undefined;
}

export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Index just past the JSON string literal that starts at `start` (a `"`), in text already known to be JSON. */
function stringEnd(json: string, start: number): number {
  let i = start + 1;
  while (i < json.length && json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
  return i + 1;
}

/**
 * The member names of a JSON object text's top level, in order and with repeats, decoded (`"\u0061lg"` is
 * `alg`). JSON.parse keeps the last of duplicate names silently; this is how they are found. The text must be
 * valid JSON whose top level is an object (the caller parsed it first).
 */
export function scanTopLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  let i = 0;
  while (i < json.length) {
    const c = json[i];
    if (c === '"') {
      const end = stringEnd(json, i);
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(json.slice(i, end)) as string);
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return keys;
}
