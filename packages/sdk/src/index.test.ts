// createDeskgate(), the ESM entry: what it adds to createInstance() is the check of `events`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeskgate, type DeskgateErrorInfo, type DeskgateOptions } from './index.ts';
import { API } from './test/fixtures.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createDeskgate', () => {
  it('reports a bad events entry as invalid_option, heard by on() right after creation, and ignores it', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const fetch = vi.spyOn(window, 'fetch');
    const deskgate = createDeskgate({
      tenant: 'demo',
      apiUrl: API,
      events: { signedIn: () => {} } as unknown as DeskgateOptions['events'],
    });
    const errors: DeskgateErrorInfo[] = [];
    deskgate.on('error', (e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 0));
    deskgate.destroy();
    expect(errors).toStrictEqual([
      {
        code: 'invalid_option',
        message:
          'Invalid option events.signedIn: not a function for ready, signed-out or error; it is ignored.',
      },
    ]);
    expect(console.error).toHaveBeenCalledWith(
      'deskgate: Invalid option events.signedIn: not a function for ready, signed-out or error; it is ignored.',
    );
    expect(fetch, 'nothing is requested before login()').not.toHaveBeenCalled();
  });
});
