// deskgate.fetch() to a URL on the API that has no CORS for the page (the OpenAPI document allows any origin,
// but not with credentials, and answers no preflight): it rejects with the browser's TypeError, as fetch() does,
// and the page also hears a `network_error` naming the URL without its query.
import { type DeskgateWindow, expect, test, waitForAgentState } from './fixtures.ts';

test('deskgate.fetch() refused by the browser rejects with its TypeError and emits network_error', async ({
  page,
  stack,
}) => {
  await stack.gotoCx(page);
  await waitForAgentState(page, 'signed-out');
  const result = await page.evaluate(async () => {
    const errors: unknown[] = [];
    addEventListener('deskgate:error', (event) => errors.push((event as CustomEvent).detail));
    const deskgate = (window as unknown as DeskgateWindow).deskgate as unknown as {
      fetch(input: string): Promise<Response>;
    };
    try {
      const response = await deskgate.fetch('/openapi.json?token=s3cret');
      return { resolved: response.status, errors };
    } catch (error) {
      return { rejected: error instanceof TypeError ? 'TypeError' : String(error), errors };
    }
  });
  expect(result).toStrictEqual({
    rejected: 'TypeError',
    errors: [
      {
        code: 'network_error',
        message: expect.stringMatching(
          new RegExp(`^GET ${stack.apiUrl.replaceAll('.', '\\.')}/openapi\\.json failed: \\S`),
        ),
      },
    ],
  });
  expect(JSON.stringify(result.errors)).not.toContain('s3cret');
});
