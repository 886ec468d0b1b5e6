import { MESSAGE_ATTEMPT_COMPLETE, PROTOCOL_VERSION } from '@deskgate/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptCompleteMessage } from './message.ts';

const popup = { name: 'popup' };
const expected = { origin: 'https://auth.test', source: popup, attemptId: 'att1' };
const data = { type: MESSAGE_ATTEMPT_COMPLETE, v: PROTOCOL_VERSION, attemptId: 'att1', proof: 'p1' };
const event = { origin: 'https://auth.test', source: popup, data };

describe('acceptCompleteMessage', () => {
  it('returns the proof of a completion message from the popup on the API origin for this attempt', () => {
    expect(acceptCompleteMessage(event, expected)).toBe('p1');
  });

  it('ignores a message from another origin', () => {
    expect(acceptCompleteMessage({ ...event, origin: 'https://evil.test' }, expected)).toBe(undefined);
    expect(acceptCompleteMessage({ ...event, origin: 'https://auth.test:444' }, expected)).toBe(undefined);
    expect(acceptCompleteMessage({ ...event, origin: 'http://auth.test' }, expected)).toBe(undefined);
  });

  it('ignores a message from a window other than the popup', () => {
    expect(acceptCompleteMessage({ ...event, source: { name: 'other' } }, expected)).toBe(undefined);
    expect(acceptCompleteMessage({ ...event, source: null }, expected)).toBe(undefined);
  });

  it('ignores every message while there is no popup (blocked)', () => {
    expect(acceptCompleteMessage({ ...event, source: null }, { ...expected, source: null })).toBe(undefined);
  });

  it('ignores a completion of another attempt', () => {
    expect(acceptCompleteMessage({ ...event, data: { ...data, attemptId: 'att2' } }, expected)).toBe(
      undefined,
    );
  });

  it('ignores messages that are not attempt completions of this protocol version', () => {
    for (const other of [
      null,
      'deskgate:attempt-complete',
      { ...data, type: 'other' },
      { ...data, v: 2 },
      { ...data, proof: 42 },
      { type: MESSAGE_ATTEMPT_COMPLETE, v: PROTOCOL_VERSION, attemptId: 'att1' },
    ]) {
      expect(acceptCompleteMessage({ ...event, data: other }, expected), JSON.stringify(other)).toBe(
        undefined,
      );
    }
  });
});

describe('acceptCompleteMessage with real postMessage events', () => {
  const frames: HTMLIFrameElement[] = [];
  afterEach(() => {
    for (const frame of frames.splice(0)) frame.remove();
  });

  /** The next `message` event this window receives, as the browser fills in origin and source. */
  const nextMessage = () =>
    new Promise<MessageEvent>((resolve) => addEventListener('message', resolve, { once: true }));

  /** A same-origin child window that can post to us from its own realm, so the browser names it as source. */
  async function childWindow(): Promise<Window & typeof globalThis> {
    const frame = document.createElement('iframe');
    frames.push(frame);
    document.body.append(frame);
    return frame.contentWindow as Window & typeof globalThis;
  }

  it('accepts the message the browser attributes to the expected window and origin', async () => {
    const child = await childWindow();
    const received = nextMessage();
    new child.Function('data', 'parent.postMessage(data, "*")')(data);
    const event = await received;
    expect(event.source).toBe(child);
    expect(event.origin).toBe(location.origin);
    expect(acceptCompleteMessage(event, { origin: location.origin, source: child, attemptId: 'att1' })).toBe(
      'p1',
    );
  });

  it('ignores the same message when the browser attributes it to another window', async () => {
    const child = await childWindow();
    const received = nextMessage();
    window.postMessage(data, '*');
    const event = await received;
    expect(event.source).toBe(window);
    expect(acceptCompleteMessage(event, { origin: location.origin, source: child, attemptId: 'att1' })).toBe(
      undefined,
    );
  });
});
