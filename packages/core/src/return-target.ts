// Where a first-party sign-in may send the browser afterwards (remote login's `return`): a path on the API's
// own origin, or a URL the tenant lists exactly. Anything else would make the API an open redirector.
import { DeskgateError } from './errors.ts';

/** Longer is no link anyone types or a platform builds. */
export const MAX_RETURN_TARGET_LENGTH = 2048;

function invalid(why: string): never {
  throw new DeskgateError('return_target_invalid', `The return target ${why}`);
}

/**
 * Returns the target to redirect to: a path (with query and fragment) on `origin`, or the exact allowed URL
 * as the WHATWG URL parser serializes it. Throws return_target_invalid for anything else.
 */
export function resolveReturnTarget(
  value: unknown,
  options: { origin: string; allowed: readonly string[] },
): string {
  if (typeof value !== 'string' || value === '') invalid('is missing');
  if (value.length > MAX_RETURN_TARGET_LENGTH)
    invalid(`is longer than ${MAX_RETURN_TARGET_LENGTH} characters`);
  // Browsers drop tabs and newlines and read a backslash as a slash: judge the string they would follow.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) invalid('contains control characters');
  if (value.startsWith('/')) {
    if (/^\/[/\\]/.test(value)) invalid('is not a path on this site');
    let url: URL;
    try {
      url = new URL(value, options.origin);
    } catch {
      invalid('is not a valid path');
    }
    if (url.origin !== options.origin) invalid('is not a path on this site');
    return url.pathname + url.search + url.hash;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid('is neither a path on this site nor an allowed URL');
  }
  const allowed = options.allowed.flatMap((entry) => {
    try {
      return [new URL(entry).href];
    } catch {
      return [];
    }
  });
  if (!allowed.includes(url.href)) invalid('is not one of the allowed return URLs');
  return url.href;
}
