// Which postMessage events may complete an attempt: only the popup we opened, from the API's origin.
import { isAttemptCompleteMessage } from '@deskgate/protocol';

export interface MessageLike {
  origin: string;
  source: unknown;
  data: unknown;
}

export interface ExpectedSender {
  /** `new URL(apiUrl).origin`, where the completion page lives. */
  origin: string;
  /** The popup's WindowProxy; null when it was blocked, so no message can match. */
  source: unknown;
  attemptId: string;
}

/** The proof to redeem with, or undefined when the message must be ignored. */
export function acceptCompleteMessage(event: MessageLike, expected: ExpectedSender): string | undefined {
  const { data } = event;
  return expected.source != null &&
    event.source === expected.source &&
    event.origin === expected.origin &&
    isAttemptCompleteMessage(data) &&
    data.attemptId === expected.attemptId
    ? data.proof
    : undefined;
}
