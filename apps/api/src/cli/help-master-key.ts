// The help of the `master-key` commands: a new master key, and the rotation that seals every stored secret with
// it (services/master-key.ts).
import type { Command } from './help.ts';

export const MASTER_KEY_COMMANDS = `  master-key generate                  print a new random master key
  master-key rotate                    seal every stored secret with the new master key`;

export const MASTER_KEY_GROUP = `Usage: pnpm deskgate master-key <subcommand>

${MASTER_KEY_COMMANDS}

pnpm deskgate master-key <subcommand> --help shows how.`;

export const MASTER_KEY_COMMAND_HELP: Command[] = [
  {
    name: 'master-key generate',
    options: [],
    args: [],
    help: `Usage: pnpm deskgate master-key generate

Prints a new random master key (base64url of 32 random bytes) on stdout and nothing else, for
DESKGATE_MASTER_KEY. Stores nothing.`,
  },
  {
    name: 'master-key rotate',
    options: [],
    args: [],
    help: `Usage: pnpm deskgate master-key rotate

Opens every secret the store keeps sealed with the master key (signing keys, platform-JWT secrets, OIDC
client secrets, the bodies of mail not sent yet) and seals it again with the new key. Prints how many of
each kind it sealed again and how many were under the new key already; never a key or a secret. Each value
is replaced on its own and stays readable with either key, so an interrupted run is finished by running
the command again.

With DESKGATE_MASTER_KEY (always with DATABASE_URL): DESKGATE_MASTER_KEY is the new key and
DESKGATE_PREVIOUS_MASTER_KEY the old one (or a comma-separated list of old ones). First roll out both to
every instance (instances read secrets sealed with either key and seal with the new one), then run this
once, then remove DESKGATE_PREVIOUS_MASTER_KEY and roll out again.

Without DESKGATE_MASTER_KEY (the embedded store, its key in <data dir>/master.key): makes a new key in
master.key.next, seals everything with it, then renames master.key to master.key.previous and
master.key.next to master.key (a master.key.previous of an earlier rotation is renamed with its date). The
API reads all of these files at start, so it starts at any point of an interrupted rotation, and running
the command again finishes it. Stop the API first, or restart it at once: a running API only knows the
key it started with. Delete master.key.previous once backups made before the rotation are no longer
needed.`,
  },
];
