// What a `ssdkit` subcommand is: a name, a one-line summary, usage text and a run function returning the
// exit code. Each subcommand lives in its own file under src/cli and is listed in src/cli/commands.ts.
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number> | number;
}

/** A user-facing error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}
