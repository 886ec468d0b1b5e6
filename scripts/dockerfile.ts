// The Dockerfile and its build context as data: instructions and stages, the static rules an image of ours must
// follow (dockerfileProblems, tested by Vitest), and the files a build would send (.dockerignore applied).
// scripts/check-dockerfile.ts runs what this reads.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';

// ---- parsing ----

export interface Instruction {
  /** Upper case: RUN, COPY, ENV, … */
  keyword: string;
  /** `--name=value` options before the arguments (COPY --from, RUN --mount, HEALTHCHECK --interval). */
  flags: Record<string, string>;
  /** The rest of the line, continuations joined. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  /** The image of FROM, variables substituted. */
  image: string;
  /** The `AS` name, or the stage's index. */
  name: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Joins continuation lines, drops comments and blank lines, splits off the keyword and its flags. */
export function parseInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  let current: { start: number; parts: string[] } | undefined;
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Comments and blank lines, also in the middle of a continued instruction, are skipped.
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const continued = /(^|[^\\])\\$/.test(trimmed) || trimmed === '\\';
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (current) current.parts.push(part);
    else current = { start: index + 1, parts: [part] };
    if (continued) continue;
    const joined = current.parts.filter(Boolean).join(' ');
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match) {
      let rest = match[2] ?? '';
      const flags: Record<string, string> = {};
      for (;;) {
        const flag = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
        if (!flag) break;
        flags[flag[1]!] = flag[2] ?? 'true';
        rest = rest.slice(flag[0].length);
      }
      instructions.push({ keyword: match[1]!.toUpperCase(), flags, args: rest.trim(), line: current.start });
    }
    current = undefined;
  }
  if (current) throw new Error(`Dockerfile line ${current.start}: the file ends inside a continued line`);
  return instructions;
}

/** Splits a Dockerfile into its global ARGs and its stages. */
export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = words(instruction.args);
      stages.push({
        image: substitute(image, globalArgs),
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`line ${instruction.line}: only ARG may precede FROM`);
      Object.assign(globalArgs, parseArg(instruction.args));
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Shell-like words: whitespace-separated, quotes grouped and removed, backslash escapes kept literal. */
export function words(text: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i]!;
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i]!;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${text}`);
  if (word !== undefined) out.push(word);
  return out;
}

/** `${NAME}`, `$NAME`, `${NAME:-default}` and `${NAME:+alternative}` from `vars` (unknown ones become ''). */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, braced: string | undefined, op: string | undefined, word: string | undefined, bare?: string) => {
      const value = vars[(braced ?? bare)!];
      if (op === '-') return value ? value : (word ?? '');
      if (op === '+') return value ? (word ?? '') : '';
      return value ?? '';
    },
  );
}

/** `ARG NAME` or `ARG NAME=default`. */
export function parseArg(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of words(args)) {
    const eq = word.indexOf('=');
    if (eq === -1) out[word] = '';
    else out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

/** `ENV A=1 B="x y"` or the legacy `ENV A 1`; values substituted from `vars` (earlier ENVs and ARGs). */
export function parseEnv(args: string, vars: Record<string, string>): Record<string, string> {
  const list = words(args);
  const out: Record<string, string> = {};
  if (list.length > 0 && !list[0]!.includes('=')) {
    const [name, ...rest] = args.trim().split(/\s+/);
    out[name!] = substitute(rest.join(' '), vars);
    return out;
  }
  for (const word of list) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`ENV ${args}: ${word} is not NAME=value`);
    out[word.slice(0, eq)] = substitute(word.slice(eq + 1), { ...vars, ...out });
  }
  return out;
}

/** The exec form `["a", "b"]` as a list, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string'))
    throw new Error(`not a JSON array of strings: ${args}`);
  return parsed as string[];
}

/** The arguments of COPY/ADD: sources and destination. */
export function copyArgs(args: string, vars: Record<string, string>): { sources: string[]; dest: string } {
  const list = (execForm(args) ?? words(args)).map((word) => substitute(word, vars));
  if (list.length < 2) throw new Error(`COPY ${args}: needs a source and a destination`);
  return { sources: list.slice(0, -1), dest: list.at(-1)! };
}

/** The HEALTHCHECK's command, its `CMD` exec form; undefined for NONE. */
export function healthcheckCommand(instruction: Instruction): string[] | undefined {
  const match = /^CMD\s+(.*)$/is.exec(instruction.args);
  if (!match) return undefined;
  return execForm(match[1]!) ?? ['/bin/sh', '-c', match[1]!];
}

/** The last instruction with `keyword` in a stage. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.findLast((instruction) => instruction.keyword === keyword);
}

/** The ENV a stage ends with (its own ENV lines; ARGs are substituted but not kept, as in an image). */
export function stageEnv(stage: Stage, globalArgs: Record<string, string>): Record<string, string> {
  const args: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const { keyword, args: text } of stage.instructions) {
    if (keyword === 'ARG') {
      for (const [name, value] of Object.entries(parseArg(text)))
        args[name] = value || globalArgs[name] || '';
    } else if (keyword === 'ENV') {
      Object.assign(env, parseEnv(text, { ...args, ...env }));
    }
  }
  return env;
}

/**
 * What the image must be: every base image pinned to a tag that is not `latest`, the final stage on Node 24
 * running as a non-root user with a HEALTHCHECK, an exec-form CMD, STOPSIGNAL SIGTERM, NODE_ENV=production and
 * port 8787. An empty list means all good.
 */
export function dockerfileProblems(dockerfile: Dockerfile): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const stage of dockerfile.stages) {
    if (!names.has(stage.image)) {
      const [, tag] = /^[^@]*?(?::([^/:@]+))?(@sha256:[0-9a-f]{64})?$/.exec(stage.image) ?? [];
      if (!tag && !stage.image.includes('@sha256:')) problems.push(`FROM ${stage.image}: pin a tag`);
      if (tag === 'latest') problems.push(`FROM ${stage.image}: no latest tags`);
    }
    names.add(stage.name);
  }
  const final = dockerfile.stages.at(-1);
  if (!final) return ['the Dockerfile has no FROM'];
  if (!/^(docker\.io\/)?(library\/)?node:24([.-]|$)/.test(final.image))
    problems.push(`the final stage must be based on Node 24 (node:24-…), not ${final.image}`);
  const user = last(final, 'USER')?.args.split(':')[0]?.trim();
  if (!user || user === 'root' || user === '0') problems.push('the final stage must set a non-root USER');
  const healthcheck = last(final, 'HEALTHCHECK');
  if (!healthcheck || !healthcheckCommand(healthcheck))
    problems.push('the final stage must have a HEALTHCHECK');
  const cmd = last(final, 'CMD');
  if (!cmd || !execForm(cmd.args)) problems.push('the final stage must have an exec-form CMD ["node", …]');
  if (last(final, 'STOPSIGNAL')?.args !== 'SIGTERM') problems.push('the final stage must STOPSIGNAL SIGTERM');
  if (!words(last(final, 'EXPOSE')?.args ?? '').includes('8787'))
    problems.push('the final stage must EXPOSE 8787');
  const env = stageEnv(final, dockerfile.globalArgs);
  if (env.NODE_ENV !== 'production') problems.push('the final stage must set ENV NODE_ENV=production');
  if (!env.HOST || env.HOST === '127.0.0.1') problems.push('the final stage must set ENV HOST=0.0.0.0');
  if (!env.DESKGATE_DATA_DIR) problems.push('the final stage must set ENV DESKGATE_DATA_DIR');
  for (const instruction of final.instructions) {
    if (instruction.keyword === 'COPY' && !instruction.flags.from)
      problems.push(
        `line ${instruction.line}: the final stage copies from a build stage only (COPY --from=…)`,
      );
    if (instruction.keyword === 'ADD') problems.push(`line ${instruction.line}: ADD: use COPY --from=…`);
  }
  return problems;
}

// ---- the build context ----

/** .dockerignore's patterns as [regex, excluded] pairs, in order (the last match wins). */
export function parseDockerignore(text: string): Array<[RegExp, boolean]> {
  const rules: Array<[RegExp, boolean]> = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exclude = !line.startsWith('!');
    if (!exclude) line = line.slice(1).trim();
    line = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    let source = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (c === '*' && line[i + 1] === '*') {
        i++;
        if (line[i + 1] === '/') {
          i++;
          source += '(?:.*/)?';
        } else source += '.*';
      } else if (c === '*') source += '[^/]*';
      else if (c === '?') source += '[^/]';
      else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    rules.push([new RegExp(`^${source}$`), exclude]);
  }
  return rules;
}

/** Whether .dockerignore's `rules` leave `path` out of the context (a rule matching a parent directory counts). */
export function ignored(path: string, rules: Array<[RegExp, boolean]>): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let result = false;
  for (const [pattern, exclude] of rules) {
    if (candidates.some((candidate) => pattern.test(candidate))) result = exclude;
  }
  return result;
}

/** The files `docker build .` would send: those git tracks or would track (untracked, not ignored), less .dockerignore. */
export async function contextFiles(root: string): Promise<string[]> {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ignoreFile = join(root, '.dockerignore');
  const rules = existsSync(ignoreFile) ? parseDockerignore(await readFile(ignoreFile, 'utf8')) : [];
  const files = [...new Set(listed.split('\0').filter(Boolean))];
  return files.filter((file) => existsSync(join(root, file)) && !ignored(file, rules)).sort();
}
