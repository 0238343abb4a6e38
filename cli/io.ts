/** What a command may touch besides the file system: its streams and environment. Tests pass fakes. */
export interface CliIO {
  /** Writes to standard output. */
  readonly out: (text: string) => void
  /** Writes to standard error. */
  readonly err: (text: string) => void
  /** Reads all of standard input (for `--request -`). */
  readonly readStdin: () => Promise<string>
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Working directory that relative paths resolve against. */
  readonly cwd: string
}

/** A CLI command: gets its arguments (after the command name) and returns the exit code. */
export type Command = (args: readonly string[], io: CliIO) => Promise<number>

/** Exit codes shared by every command (documented in the README). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const

/** A usage or I/O problem that a command reports with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
