// JWT tester: checks a platform-signed token as a sign-in would (POST /jwt-check), without signing anyone in.
import { useState } from 'preact/hooks';
import { Alert, useAction, useConsole } from '../ui.tsx';

interface CheckResult {
  ok: boolean;
  steps: { name: string; ok: boolean; detail: string }[];
  user: { id: string; email: string | null; name: string | null; roles: string[] } | null;
  action: string | null;
}

export function JwtTester() {
  const { api, t } = useConsole();
  const [token, setToken] = useState('');
  const [result, setResult] = useState<CheckResult | null>(null);
  const action = useAction();
  const check = () =>
    action.run(async () => {
      setResult(null);
      setResult(await api<CheckResult>('POST', '/jwt-check', { token: token.trim() }));
      return null;
    });
  return (
    <>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void check();
        }}
      >
        <div class="field">
          <label for="jwt-token">{t.jwt.token}</label>
          <textarea
            id="jwt-token"
            class="mono"
            rows={6}
            required
            spellcheck={false}
            aria-describedby="jwt-token-hint"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
          <span id="jwt-token-hint" class="hint">
            {t.jwt.tokenHint}
          </span>
        </div>
        <button type="submit" disabled={action.busy}>
          {t.jwt.check}
        </button>
      </form>
      <Alert message={action.error} />
      {result && (
        <div class="result" data-jwt-result={result.ok ? 'ok' : 'refused'}>
          <p role="status" class={result.ok ? 'ok' : 'alert'}>
            {result.ok ? t.jwt.valid : t.jwt.invalid}
          </p>
          <h3>{t.jwt.steps}</h3>
          <ol class="steps">
            {result.steps.map((step) => (
              <li key={step.name} class={step.ok ? 'ok' : 'failed'}>
                <strong>{step.name}</strong>: {step.ok ? t.jwt.passed : t.jwt.failed}
                {step.detail && <span class="detail"> ({step.detail})</span>}
              </li>
            ))}
          </ol>
          {result.user && (
            <>
              <h3>{t.jwt.user}</h3>
              <dl>
                <dt>{t.jwt.id}</dt>
                <dd class="mono">{result.user.id}</dd>
                <dt>{t.email}</dt>
                <dd>{result.user.email ?? t.none}</dd>
                <dt>{t.name}</dt>
                <dd>{result.user.name ?? t.none}</dd>
                <dt>{t.users.roles}</dt>
                <dd>{result.user.roles.join(', ') || t.none}</dd>
                {result.action && (
                  <>
                    <dt>{t.jwt.action}</dt>
                    <dd>{t.jwt.actions[result.action] ?? result.action}</dd>
                  </>
                )}
              </dl>
            </>
          )}
        </div>
      )}
    </>
  );
}
