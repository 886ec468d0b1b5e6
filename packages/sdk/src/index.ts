// @deskgate/sdk for bundlers: createDeskgate(); the overlay is a separate chunk, imported only when needed.
import { createInstance } from './deskgate.ts';
import { eventProblems } from './options.ts';
import type { Deskgate, DeskgateOptions } from './types.ts';

export type {
  Deskgate,
  DeskgateAgent,
  DeskgateErrorCode,
  DeskgateErrorInfo,
  DeskgateEventMap,
  DeskgateEventName,
  DeskgateListener,
  DeskgateOptions,
  Locale,
  OutboundOptions,
  SessionInfo,
  SessionUser,
} from './types.ts';

/**
 * Creates a Deskgate instance; throws a TypeError for an invalid tenant code or apiUrl. Any other bad option
 * is reported as an `invalid_option` error event (and on the console) and replaced by its default.
 */
export function createDeskgate(options: DeskgateOptions): Deskgate {
  return createInstance(
    options,
    () => import('./overlay/index.ts'),
    undefined,
    eventProblems(options?.events),
    () => import('./exchange.ts'),
  );
}
