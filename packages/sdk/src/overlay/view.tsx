// The overlay's markup: a pure function of the sign-in state. Stable `part` names are the e2e selectors.
import type { ComponentChildren } from 'preact';
import type { SignInState } from './signin.ts';
import { format, type Strings } from './strings.ts';

export interface OverlayViewProps {
  state: SignInState;
  strings: Strings;
  product: string;
  onPress: () => void;
  /** The page is not set up for the tenant: a sentence for the agent, and no button. */
  unavailable?: boolean;
  /** Rendered as a <style> element only where constructable stylesheets are missing. */
  css?: string | undefined;
}

export function OverlayView({ state, strings, product, onPress, unavailable, css }: OverlayViewProps) {
  const { phase } = state;
  const label =
    phase === 'idle'
      ? format(strings.signIn, { product })
      : phase === 'waiting' || phase === 'blocked' || phase === 'confirm'
        ? strings.openWindow
        : strings.tryAgain;
  let status: ComponentChildren = phase === 'idle' || phase === 'confirm' ? '' : strings[phase];
  if (state.phase === 'confirm') {
    // The code stays plain, selectable text inside the live region, so the sentence before it is its label.
    const [before, after] = strings.confirm.split('{code}');
    status = [before, <strong part="code">{state.code}</strong>, after];
  }
  return (
    <>
      {css && <style>{css}</style>}
      {/* biome-ignore lint/a11y/noRedundantRoles: role="region" is part of the documented selector contract */}
      <section role="region" aria-label={format(strings.region, { product })} part="region">
        {!unavailable && (
          <button type="button" part="signin-button" onClick={onPress}>
            {label}
          </button>
        )}
        <p part="status" aria-live="polite">
          {unavailable ? format(strings.unavailable, { product }) : status}
        </p>
      </section>
    </>
  );
}
