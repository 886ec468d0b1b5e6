// The ESM entry's declarations. tsc emits one .d.ts per module; the package ships only the public two. They
// name types from @deskgate/protocol, a private workspace package that a consumer cannot install, so the
// protocol's declarations ship beside them as protocol.d.ts (only those the public types reach) and their
// imports point there. Declarations are read with Vite's own parser (oxc): no extra dependency.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSync } from 'vite';

const PROTOCOL = '@deskgate/protocol';
const PROTOCOL_SPECIFIER = './protocol.js';
/** The declarations the package publishes (its `exports` names index.d.ts). */
const PUBLIC = ['index.d.ts', 'types.d.ts'];

/** A node of oxc's ESTree AST, as far as this file reads it. */
interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const require = createRequire(import.meta.url);

/** Emits the declarations of the TypeScript project in `dir` (sources in src/) to `outDir`; fails on errors. */
function tsc(dir: string, outDir: string) {
  const bin = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
  const args = ['-p', 'tsconfig.json', '--noEmit', 'false', '--declaration', '--emitDeclarationOnly'];
  execFileSync(process.execPath, [bin, ...args, '--rootDir', 'src', '--outDir', outDir], {
    cwd: dir,
    stdio: 'inherit',
  });
}

/** Writes the SDK's public declarations, self-contained, to `outDir`; `root` is the SDK's package directory. */
export async function emitTypes(root: string, outDir: string) {
  const tmp = await mkdtemp(join(tmpdir(), 'deskgate-sdk-types-'));
  try {
    tsc(root, join(tmp, 'sdk'));
    const files = new Map<string, string>();
    for (const file of PUBLIC) files.set(file, await readFile(join(tmp, 'sdk', file), 'utf8'));
    if ([...files.values()].some((code) => moduleSpecifiers(code).some((node) => node.value === PROTOCOL))) {
      // The protocol package as the SDK resolves it (its entry is src/index.ts).
      tsc(dirname(dirname(require.resolve(PROTOCOL))), join(tmp, 'protocol'));
      for (const [file, code] of files) files.set(file, pointToProtocolFile(code));
      const protocol = await readFile(join(tmp, 'protocol', 'index.d.ts'), 'utf8');
      files.set('protocol.d.ts', reachableDeclarations(protocol, [...files.values()]));
    }
    for (const [file, code] of files) {
      assertSelfContained(file, code, files);
      await writeFile(join(outDir, file), code);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Every node under `value`, depth first. */
function* nodes(value: unknown): Generator<Node> {
  if (Array.isArray(value)) for (const item of value) yield* nodes(item);
  else if (value && typeof value === 'object') {
    if ('type' in value) yield value as Node;
    for (const child of Object.values(value)) yield* nodes(child);
  }
}

const parse = (code: string) => {
  const { program, errors } = parseSync('file.d.ts', code, { lang: 'dts' });
  if (errors.length) throw new Error(`cannot parse emitted declarations: ${errors[0]?.message}`);
  return program.body as unknown as Node[];
};

/** The string literals naming a module: import/export sources, `import('…')` types, `declare module '…'`. */
const moduleSpecifiers = (code: string) =>
  [...nodes(parse(code))]
    .map((node) => (node.type === 'TSModuleDeclaration' ? node.id : node.source) as Node | null | undefined)
    .filter((node): node is Node => node?.type === 'Literal');

/** Throws unless `code` refers only to the other shipped files: to no package, by no reference directive. */
function assertSelfContained(file: string, code: string, shipped: Map<string, string>) {
  for (const { value } of moduleSpecifiers(code)) {
    const target = String(value)
      .replace(/^\.\//, '')
      .replace(/\.[jt]s$/, '.d.ts');
    if (!String(value).startsWith('./') || !shipped.has(target)) {
      throw new Error(`${file} refers to '${value}', which is not shipped: the types must be self-contained`);
    }
  }
  if (/^\/\/\/\s*<reference\s+(types|path)=/m.test(code)) {
    throw new Error(`${file} has a reference directive: the types must be self-contained`);
  }
}

/** Points the imports from the protocol package at the protocol.d.ts shipped beside `code`. */
function pointToProtocolFile(code: string) {
  const specifiers = moduleSpecifiers(code).filter((node) => node.value === PROTOCOL);
  for (const node of specifiers.sort((a, b) => b.start - a.start)) {
    code = `${code.slice(0, node.start)}'${PROTOCOL_SPECIFIER}'${code.slice(node.end)}`;
  }
  return code;
}

const identifiers = (value: unknown) =>
  [...nodes(value)].filter((node) => node.type === 'Identifier').map((node) => node.name as string);

/** The names a top-level statement declares (none for imports and `export {…}`). */
function declaredNames(statement: Node): string[] {
  // `export * as paths from './paths.ts'` declares `paths`.
  const exported = statement.type === 'ExportAllDeclaration' ? (statement.exported as Node | null) : null;
  if (exported) return [exported.name as string];
  const declaration = (
    statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement
  ) as Node | null;
  if (!declaration) return [];
  const ids =
    declaration.type === 'VariableDeclaration'
      ? (declaration.declarations as Node[]).map((d) => d.id)
      : [declaration.id];
  return ids.flatMap((id) =>
    (id as Node | undefined)?.type === 'Identifier' ? [(id as Node).name as string] : [],
  );
}

/**
 * The top-level statements of `declarations` (with their doc comments) that `users` name, directly or
 * through each other. Any identifier counts as a use, property names too: that can keep a little extra,
 * never too little. Statements that declare no name are kept.
 */
function reachableDeclarations(declarations: string, users: string[]) {
  const statements = parse(declarations);
  const wanted = new Set(users.flatMap((code) => identifiers(parse(code))));
  const kept = new Set<Node>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const statement of statements) {
      const names = declaredNames(statement);
      if (kept.has(statement) || (names.length && !names.some((name) => wanted.has(name)))) continue;
      kept.add(statement);
      grew = true;
      for (const name of identifiers(statement)) wanted.add(name);
    }
  }
  const text = statements.map((s, i) =>
    kept.has(s) ? declarations.slice(statements[i - 1]?.end ?? 0, s.end) : '',
  );
  return `${text.join('').trim()}\n`;
}
