#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import type { CliIO, Command } from './io.js'
import { EXIT, UsageError } from './io.js'

/**
 * Commands are imported lazily so that `symbi-policy scan` does not load the parser and
 * `symbi-policy check` does not load dockerode.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  check: { summary: 'check .policy/.symbi files and report diagnostics', load: async () => (await import('./commands/check.js')).check },
  fmt: { summary: 'format files canonically (--write, --check)', load: async () => (await import('./commands/fmt.js')).fmt },
  eval: { summary: 'decide a request against policies and print the decision as JSON', load: async () => (await import('./commands/eval.js')).evalCommand },
  explain: { summary: 'decide a request and explain every rule considered, with source lines', load: async () => (await import('./commands/explain.js')).explain },
  audit: { summary: 'verify a tamper-evident audit log, or generate an Ed25519 signing key pair', load: async () => (await import('./commands/audit.js')).audit },
  sandbox: { summary: 'build the sandbox image (setup) or run a command in a policy-checked sandbox (run)', load: async () => (await import('./commands/sandbox.js')).sandbox },
  scan: { summary: 'scan a skill directory or file with the ClawHavoc rules (--format text|json)', load: async () => (await import('./commands/scan.js')).scan },
  test: { summary: 'run policy test files: example cases and properties with shrunk counter-examples, rule coverage', load: async () => (await import('./commands/test.js')).test },
  bench: { summary: 'measure your policies on your requests (p50/p99/mean µs, decisions/s)', load: async () => (await import('./commands/bench.js')).bench },
  config: { summary: 'validate the [security]/[tofu] TOML sections and SYMBIONT_* variables (config check <file>)', load: async () => (await import('./commands/config.js')).config },
  serve: { summary: 'run the decision service: HTTP evaluate/explain, health, metrics, approvals, signed bundles', load: async () => (await import('./commands/serve.js')).serve },
  bundle: { summary: 'build a signed policy bundle (build) or check one (verify)', load: async () => (await import('./commands/bundle.js')).bundle },
  db: { summary: 'apply the PostgreSQL schema migrations of the shared stores (db migrate, db status)', load: async () => (await import('./commands/db.js')).db },
  report: { summary: 'compliance report (HIPAA, GDPR, SOX or your framework) over the audit trail: HTML with charts and JSON; exit 1 when a check fails', load: async () => (await import('./commands/report.js')).report },
  keys: { summary: 'manage signing keys: a root that certifies agent keys, rotation, revocation (generate, rotate, revoke, list, export-public)', load: async () => (await import('./commands/keys.js')).keys },
  lsp: { summary: 'run the language server for editors over --stdio (diagnostics, hover, definitions, completion, fixes, formatting)', load: async () => (await import('./commands/lsp.js')).lsp },
  playground: { summary: 'serve the in-browser playground (parser, checker and engine run in the page) on --listen', load: async () => (await import('./commands/playground.js')).playground },
  compile: { summary: 'compile policies for another engine: --target cedar writes policies.cedar (+ Cedar schema)', load: async () => (await import('./commands/compile.js')).compile },
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length))
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return [
    'Usage: symbi-policy <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `symbi-policy <command> --help` for the options of a command.',
    'Exit codes: 0 success, 1 failure (errors found, denied, tests failed), 2 usage or I/O problem.',
    '',
  ].join('\n')
}

/** Runs the CLI; returns the exit code. Never throws: unexpected failures are reported in one line. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage())
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-v') {
    io.out(`${packageVersion()}\n`)
    return EXIT.ok
  }
  // The command name comes from argv: `constructor` or `__proto__` must not find Object.prototype.
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (entry === undefined) {
    io.err(`symbi-policy: unknown command '${name}'\n\n${usage()}`)
    return EXIT.usage
  }
  try {
    const command = await entry.load()
    return await command(rest, io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`symbi-policy ${name}: ${e.message}\n`)
      return EXIT.usage
    }
    const message = e instanceof Error ? e.message : String(e)
    io.err(`symbi-policy ${name}: internal error: ${message}\n`)
    if (io.env['SYMBI_DEBUG'] && e instanceof Error && e.stack) io.err(`${e.stack}\n`)
    return EXIT.usage
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** The process-bound IO. */
export function processIO(): CliIO {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
    env: process.env,
    cwd: process.cwd(),
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (invokedDirectly || process.argv[1]?.endsWith('/symbi-policy') || process.argv[1]?.endsWith('cli/main.js')) {
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code
    },
    () => {
      process.exitCode = EXIT.usage
    },
  )
}
