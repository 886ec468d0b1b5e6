import assert from 'node:assert/strict';
import { MESSAGE_ATTEMPT_COMPLETE, PROTOCOL_VERSION } from '@deskgate/protocol';
import { describe, it } from 'vitest';
import { acceptCompleteMessage } from './message.ts';

const popup = { name: 'popup' };
const expected = { origin: 'https://auth.test', source: popup, attemptId: 'att1' };
const data = { type: MESSAGE_ATTEMPT_COMPLETE, v: PROTOCOL_VERSION, attemptId: 'att1', proof: 'p1' };
const event = { origin: 'https://auth.test', source: popup, data };

describe('acceptCompleteMessage', () => {
  it('returns the proof of a completion message from the popup on the API origin for this attempt', () => {
    assert.equal(acceptCompleteMessage(event, expected), 'p1');
  });

  it('ignores a message from another origin', () => {
    assert.equal(acceptCompleteMessage({ ...event, origin: 'https://evil.test' }, expected), undefined);
    assert.equal(acceptCompleteMessage({ ...event, origin: 'https://auth.test:444' }, expected), undefined);
    assert.equal(acceptCompleteMessage({ ...event, origin: 'http://auth.test' }, expected), undefined);
  });

  it('ignores a message from a window other than the popup', () => {
    assert.equal(acceptCompleteMessage({ ...event, source: { name: 'other' } }, expected), undefined);
    assert.equal(acceptCompleteMessage({ ...event, source: null }, expected), undefined);
  });

  it('ignores every message while there is no popup (blocked)', () => {
    assert.equal(acceptCompleteMessage({ ...event, source: null }, { ...expected, source: null }), undefined);
  });

  it('ignores a completion of another attempt', () => {
    assert.equal(
      acceptCompleteMessage({ ...event, data: { ...data, attemptId: 'att2' } }, expected),
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
      assert.equal(
        acceptCompleteMessage({ ...event, data: other }, expected),
        undefined,
        JSON.stringify(other),
      );
    }
  });
});
