// The CLI's flags, its errors and exit codes, and the parsing of argv into one command (usage mistakes become
// UsageError, exit code 2). The commands and their help texts are in help.ts.
import { parseArgs } from 'node:util';
import { COMMANDS, type Command, GROUPS, SUBCOMMANDS, TOP_USAGE } from './help.ts';
import { OPTIONS, type Option, type Values } from './options.ts';

export { OPTIONS, type Option, PROVIDER_OPTIONS, TENANT_FLAGS, type Values } from './options.ts';

/** A usage mistake: one line on stderr pointing to the help of `command`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose help the error points to ('' for the top-level help). */
  readonly command: string;
  constructor(message: string, command = '') {
    super(message);
    this.command = command;
  }
}

/** The operation could not be done (unreadable file, nothing to remove...): one line on stderr, exit 1. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export type Parsed =
  | { kind: 'help'; text: string; exitCode: number }
  | { kind: 'run'; command: string; args: string[]; values: Values };

/** Where the hint of a usage error points: `pnpm deskgate tenant set --help`. */
export function helpHint(command: string): string {
  return `see pnpm deskgate ${command ? `${command} ` : ''}--help`;
}

/** The command (or group) the positionals start with, and the remaining positionals. */
function resolve(positionals: string[]): { name: string; command?: Command; rest: string[] } {
  const [first = '', second] = positionals;
  if (first in GROUPS && first !== '') {
    if (second === undefined) return { name: first, rest: [] };
    const command = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (!command) throw new UsageError(`unknown command "${first} ${second}"`, first);
    return { name: command.name, command, rest: positionals.slice(2) };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) throw new UsageError(`unknown command "${first}"`);
  return { name: command.name, command, rest: positionals.slice(1) };
}

/** The command an argv names as far as it can be told, for the hint of an error found before. */
function commandOf(argv: string[]): string {
  try {
    const { positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: false,
    });
    const words = positionals[0] === 'help' ? positionals.slice(1) : positionals;
    return words.length ? resolve(words).name : '';
  } catch {
    return '';
  }
}

function parseStrict(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(-[^' ,]+)/.exec(message)?.[1];
    const long = /--[a-z-]+/.exec(message)?.[0] ?? flag;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`unknown option ${flag}`, commandOf(argv));
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const what = message.includes('does not take') ? 'takes no value' : 'needs a value';
      throw new UsageError(`option ${long} ${what}`, commandOf(argv));
    }
    throw error;
  }
}

/** Parses argv into the command to run or the help to print; throws UsageError for a usage mistake. */
export function parseCommandLine(argv: string[]): Parsed {
  const { values, positionals } = parseStrict(argv);
  if (positionals[0] === 'help') {
    const words = positionals.slice(1);
    const { name, command, rest } = words.length ? resolve(words) : { name: '', rest: [] };
    if (rest.length) throw new UsageError(`help: unexpected argument "${rest[0]}"`, name);
    return { kind: 'help', text: command?.help ?? GROUPS[name]!, exitCode: EXIT.ok };
  }
  if (positionals.length === 0) {
    if (values.help) return { kind: 'help', text: TOP_USAGE, exitCode: EXIT.ok };
    if (Object.keys(values).length) throw new UsageError('missing command');
    return { kind: 'help', text: TOP_USAGE, exitCode: EXIT.usage };
  }
  const { name, command, rest } = resolve(positionals);
  if (values.help) return { kind: 'help', text: command?.help ?? GROUPS[name]!, exitCode: EXIT.ok };
  if (!command) throw new UsageError(`${name}: missing subcommand (${SUBCOMMANDS[name] ?? ''})`, name);
  for (const [key, value] of Object.entries(values)) {
    if (!command.options.includes(key as Option))
      throw new UsageError(`${name}: unknown option --${key}`, name);
    const given = Array.isArray(value) ? value : [value];
    if (given.some((v) => typeof v === 'string' && v.trim() === ''))
      throw new UsageError(`option --${key} needs a value`, name);
  }
  const required = command.args.filter((a) => !a.endsWith('?'));
  if (rest.length < required.length) throw new UsageError(`${name}: missing ${required[rest.length]}`, name);
  if (rest.length > command.args.length)
    throw new UsageError(`${name}: unexpected argument "${rest[command.args.length]}"`, name);
  return { kind: 'run', command: name, args: rest, values };
}
