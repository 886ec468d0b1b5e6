// The log and message scan (issue 16): a witness that records every secret a test run handles (cookies,
// tokens, keys, proofs, codes) and a scan that looks for any of them where no secret may ever be: log lines,
// audit entries and error bodies. Pure: the harness feeds it what passes through the app and calls scan().

/** Shorter values are not scanned: a short value matches by chance (except confirmation codes, below). */
export const MIN_SECRET_LENGTH = 16;

/**
 * The overlay's confirmation code, `K7Q-X2M`: 6 characters of an unambiguous upper-case alphabet. Too short
 * for a substring match, yet a secret (it releases a sign-in), so it is matched as a whole word, with or
 * without its dash, case-sensitive: log lines hold lower-case ids and UUIDs, so a whole upper-case word of
 * this shape equal to a code this run handed out is that code, not chance (30^6 values).
 */
const CONFIRMATION_CODE = /^([A-HJ-NP-TV-Z2-9]{3})-?([A-HJ-NP-TV-Z2-9]{3})$/;
const CODE_WORD = /(?<![A-Za-z0-9])[A-Z0-9]{3}-?[A-Z0-9]{3}(?![A-Za-z0-9])/g;

/** deskgate's own token formats, recognisable by their public prefix (packages/core). */
const PREFIXED: [RegExp, string][] = [
  [/dgk_[A-Za-z0-9_]{16,}/g, 'API key'],
  [/dgs_[A-Za-z0-9_]{16,}/g, 'SCIM token'],
  [/dgx_[A-Za-z0-9_-]{16,}/g, 'exchange token'],
  [/dgm_[A-Za-z0-9_-]{16,}/g, 'magic-link token'],
  [/dgr_[A-Za-z0-9_-]{16,}/g, 'access-request token'],
  [/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, 'JWT'],
];
const FRAGMENT_TOKEN = /#token=([A-Za-z0-9_%-]{16,})/g;

/**
 * Keys of JSON objects and form fields whose values are secrets, lower-case. Not `code`: error bodies use it
 * for their (public) error code; a confirmation code is recognised by its shape instead.
 */
const SECRET_FIELDS = new Set([
  'token',
  'key',
  'secret',
  'apikey',
  'accesstoken',
  'access_token',
  'refreshtoken',
  'refresh_token',
  'idtoken',
  'id_token',
  'proof',
  'verifier',
  'clientsecret',
  'client_secret',
  'signeduserinfo',
  'exchangetoken',
  'password',
]);
/** URL query parameters that carry a secret (the IdP's authorization code and state on the callback). */
const SECRET_QUERY = new Set(['code', 'state', 'token', 'access_token', 'id_token', 'key']);

export interface Source {
  /** Where the text is: "log line 12", "audit entry sign_in …", "error body of POST /x → 400". */
  where: string;
  text: string;
}

export interface Finding {
  kind: string;
  where: string;
  /** The secret's first characters only: the report must not leak it in turn. */
  preview: string;
}

export class SecretWitness {
  /** Secret value → what it is (the first kind it was seen as). */
  readonly secrets = new Map<string, string>();
  readonly codes = new Map<string, string>();
  readonly errorBodies: Source[] = [];
  readonly #pending = new Set<Promise<unknown>>();

  /** Keeps a recording that finishes later (a body read aside); settled() waits for it. */
  track(work: Promise<unknown>): void {
    const done = work.catch(() => undefined);
    this.#pending.add(done);
    void done.then(() => this.#pending.delete(done));
  }

  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  /** Records one secret; a value too short to scan is ignored (a confirmation code is kept apart). */
  record(kind: string, value: unknown): void {
    if (typeof value !== 'string') return;
    const trimmed = value.trim();
    const code = CONFIRMATION_CODE.exec(trimmed);
    if (code) {
      for (const form of [`${code[1]}-${code[2]}`, `${code[1]}${code[2]}`])
        if (!this.codes.has(form)) this.codes.set(form, kind);
      return;
    }
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    if (!this.secrets.has(trimmed)) this.secrets.set(trimmed, kind);
    // A cookie or form value may travel percent-encoded; the decoded form is the same secret.
    if (trimmed.includes('%')) {
      try {
        this.record(kind, decodeURIComponent(trimmed));
      } catch {}
    }
  }

  /** The tokens recognisable by their shape anywhere in a text (deskgate prefixes, JWTs, `#token=` links). */
  recordText(text: string, where: string): void {
    for (const [pattern, kind] of PREFIXED)
      for (const [match] of text.matchAll(pattern)) this.record(`${kind} (${where})`, match);
    for (const match of text.matchAll(FRAGMENT_TOKEN)) this.record(`#token= link (${where})`, match[1]);
  }

  /** The values of secret-named fields anywhere in a parsed JSON value, and the confirmation codes. */
  recordJson(value: unknown, where: string, depth = 0): void {
    if (depth > 32 || value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string') {
        const name = key.toLowerCase();
        if (SECRET_FIELDS.has(name)) this.record(`${key} (${where})`, item);
        else if (name === 'confirmationcode') this.record(`confirmation code (${where})`, item);
      } else this.recordJson(item, where, depth + 1);
    }
  }

  /** A form body or query string: secret-named fields, and `code` when it has a confirmation code's shape. */
  recordForm(params: URLSearchParams, where: string, names = SECRET_FIELDS): void {
    for (const [key, value] of params) {
      const name = key.toLowerCase();
      if (names.has(name)) this.record(`${key} (${where})`, value);
      else if (name === 'code' && CONFIRMATION_CODE.test(value))
        this.record(`confirmation code (${where})`, value);
    }
  }

  /** A URL's secret-carrying query parameters and its `#token=` fragment. */
  recordUrl(url: string, where: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url, 'https://base.invalid');
    } catch {
      return;
    }
    this.recordForm(parsed.searchParams, `query of ${where}`, SECRET_QUERY);
    this.recordText(parsed.hash, where);
  }

  /** A body of any kind the app received or sent: JSON, a form, or HTML (its embedded data and hidden fields). */
  recordBody(text: string, contentType: string, where: string): void {
    this.recordText(text, where);
    if (/json/i.test(contentType) || /^\s*[{[]/.test(text)) {
      try {
        this.recordJson(JSON.parse(text), where);
      } catch {}
    } else if (/x-www-form-urlencoded/i.test(contentType)) {
      this.recordForm(new URLSearchParams(text), where);
    } else if (/html/i.test(contentType)) {
      for (const [, json] of text.matchAll(/<script type="application\/json"[^>]*>(.*?)<\/script>/gs)) {
        try {
          this.recordJson(JSON.parse(json!), where);
        } catch {}
      }
      for (const [tag] of text.matchAll(/<input\b[^>]*>/g)) {
        const name = /\bname="([^"]*)"/.exec(tag)?.[1];
        const value = /\bvalue="([^"]*)"/.exec(tag)?.[1];
        if (name && value) this.recordForm(new URLSearchParams([[name, unescapeHtml(value)]]), where);
      }
    }
  }

  /** An error body (status >= 400): scanned at the end, and its tokens recorded too. */
  recordErrorBody(text: string, where: string): void {
    this.errorBodies.push({ where: `error body of ${where}`, text });
  }

  /** Every place a recorded secret appears in `sources`. */
  scan(sources: Iterable<Source>): Finding[] {
    return findSecrets(this.secrets, this.codes, sources);
  }
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Finds every occurrence of a secret in the sources. Indexed by each secret's first MIN_SECRET_LENGTH
 * characters, so a text is walked once whatever the number of secrets (a run records thousands).
 */
export function findSecrets(
  secrets: ReadonlyMap<string, string>,
  codes: ReadonlyMap<string, string>,
  sources: Iterable<Source>,
): Finding[] {
  const byHead = new Map<string, string[]>();
  for (const secret of secrets.keys()) {
    const head = secret.slice(0, MIN_SECRET_LENGTH);
    const list = byHead.get(head);
    if (list) list.push(secret);
    else byHead.set(head, [secret]);
  }
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const found = (secret: string, kind: string, where: string) => {
    const id = `${secret}\0${where}`;
    if (seen.has(id)) return;
    seen.add(id);
    findings.push({ kind, where, preview: preview(secret) });
  };
  for (const { where, text } of sources) {
    if (byHead.size)
      for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; i++) {
        const candidates = byHead.get(text.slice(i, i + MIN_SECRET_LENGTH));
        if (!candidates) continue;
        for (const secret of candidates)
          if (text.startsWith(secret, i)) found(secret, secrets.get(secret)!, where);
      }
    if (codes.size)
      for (const [word] of text.matchAll(CODE_WORD)) {
        const kind = codes.get(word);
        if (kind) found(word, kind, where);
      }
  }
  return findings;
}

/** A secret as a report may show it: its first few characters. */
export function preview(secret: string): string {
  return `${secret.slice(0, Math.min(6, Math.floor(secret.length / 3)))}…`;
}

/** The findings as an error message: kind, preview and place of each (at most 20), never a whole secret. */
export function describeFindings(findings: readonly Finding[]): string {
  const lines = findings.slice(0, 20).map((f) => `  - ${f.kind} [${f.preview}] in ${f.where}`);
  if (findings.length > 20) lines.push(`  … and ${findings.length - 20} more`);
  return `secret scan: ${findings.length} secret(s) where none may be (logs, audit entries, error bodies):\n${lines.join('\n')}`;
}

/** The sources of a log capture: one per line, named by its number and its `msg`, not its (leaking) text. */
export function logSources(lines: readonly string[]): Source[] {
  return lines.map((text, i) => {
    // The message names the line, unless it holds a token-like run (it might be the leak itself).
    const msg = /"msg":"([^"]{0,60})"/.exec(text)?.[1];
    const safe = msg && !/[A-Za-z0-9_-]{12,}/.test(msg);
    return { where: `log line ${i + 1}${safe ? ` ("${msg}")` : ''}`, text };
  });
}
