// Reading a JSON answer of a server we call (an IdP's JWKS, a platform's API) without trusting its size: a
// declared Content-Length over the limit is refused unread, a streamed body as soon as it passes the limit.

/** Why a body was not read: too large, or not JSON. The caller turns it into its own error. */
export class BodyRefused extends Error {
  readonly reason: 'too_large' | 'not_json';
  constructor(reason: 'too_large' | 'not_json') {
    super(reason === 'too_large' ? 'the answer is too large' : 'the answer is not JSON');
    this.reason = reason;
  }
}

/** The response's body parsed as UTF-8 JSON, at most `maxBytes`; else BodyRefused. */
export async function readBoundedJson(response: Response, maxBytes: number): Promise<unknown> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new BodyRefused('too_large');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new BodyRefused('too_large');
      }
      chunks.push(value);
    }
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
  } catch {
    throw new BodyRefused('not_json');
  }
}
