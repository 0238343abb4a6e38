import { isAbsolute, resolve } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import type { Diagnostic } from '../../diagnostics/diagnostic.js'
import { formatDiagnostic } from '../../diagnostics/format.js'
import { LineIndex } from '../../diagnostics/source-map.js'
import type { PolicyDecider } from '../../stdlib/decision.js'
import { ForbiddenError, SANDBOX_TIER_NAMES } from '../../runtime/enforce/index.js'
import type { SandboxEngine, SandboxOptions } from '../../runtime/sandbox/index.js'
import {
  SANDBOX_DEFAULTS,
  SANDBOX_IMAGE,
  SandboxConfigError,
  SandboxUnavailableError,
  connectDocker,
  createSandboxRunner,
  defaultSandboxDecider,
  ensureSandboxImage,
} from '../../runtime/sandbox/index.js'
import { parseArgs } from '../args.js'
import type { CliIO, Command } from '../io.js'
import { FileReadError, readRegularFileSync } from '../../runtime/regular-file.js'
import { EXIT, UsageError } from '../io.js'

/** Exit codes of `sandbox run` besides the command's own (documented in docs/sandbox.md). */
export const SANDBOX_EXIT = {
  /** The wall-clock limit killed the command (as GNU `timeout`). */
  timeout: 124,
  /** The policy did not permit the run (sysexits EX_NOPERM). */
  denied: 77,
  /** The engine, the tier's runtime or the image is missing (sysexits EX_UNAVAILABLE). */
  unavailable: 69,
} as const

const USAGE = `Usage:
  symbi-policy sandbox setup [--busybox <path>] [--force]
  symbi-policy sandbox run [--tier tier1|tier2] [--memory 512m] [--cpus 0.5] [--timeout 30s]
                           [--output-limit 1m] [--image <img>] [--agent <id>] [--policy <file>]...
                           [--json] -- <command> [args...]

setup  builds the local image ${SANDBOX_IMAGE} from a static busybox when it is missing.
run    decides the run by policy (without --policy: allow execute on tier1/tier2 sandboxes only),
       runs the command with network none, read-only root, no capabilities, non-root user,
       streams its output and exits with its exit code (137 when killed by the memory limit).
       Other exits: ${SANDBOX_EXIT.timeout} timed out, ${SANDBOX_EXIT.denied} denied by policy, ${SANDBOX_EXIT.unavailable} engine/tier/image unavailable,
       2 usage or policy file error. --json prints the result record instead of streaming.
`

/** The policy engine contract of the package root (`createEngine` in index.ts). */
interface PolicyEngineLike extends PolicyDecider {
  load(files: readonly { name: string; source: string }[]): { ok: boolean; diagnostics: readonly Diagnostic[] } | Promise<{ ok: boolean; diagnostics: readonly Diagnostic[] }>
}

/** What the command needs from outside; tests replace the engine and the policy loader. */
export interface SandboxCliDeps {
  /** The container engine; default: the local Docker engine from DOCKER_HOST. */
  readonly engine?: (io: CliIO) => SandboxEngine
  /** Makes a policy engine; default: `createEngine` of the package root. */
  readonly createPolicyEngine?: () => Promise<PolicyEngineLike>
}

/**
 * The package root is imported through a variable so that this module type-checks and loads
 * without it: `index.ts` (the lead's `createEngine`) is only needed when `--policy` is given.
 */
async function rootPolicyEngine(): Promise<PolicyEngineLike> {
  const root = '../../index.js'
  let mod: { createEngine?: () => PolicyEngineLike }
  try {
    mod = (await import(root)) as typeof mod
  } catch (e) {
    throw new UsageError(`--policy needs the policy engine of the package root, which could not be loaded: ${message(e)}`)
  }
  if (typeof mod.createEngine !== 'function') throw new UsageError('--policy needs createEngine from the package root, which does not export it')
  return mod.createEngine()
}

function abs(io: CliIO, p: string): string {
  return isAbsolute(p) ? p : resolve(io.cwd, p)
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

async function loadPolicies(files: readonly string[], io: CliIO, deps: SandboxCliDeps): Promise<PolicyDecider | number> {
  const sources: { name: string; source: string }[] = []
  for (const f of files) {
    try {
      sources.push({ name: f, source: readRegularFileSync(abs(io, f), f) })
    } catch (e) {
      throw new UsageError(`cannot read policy '${f}': ${e instanceof FileReadError ? e.why : message(e)}`)
    }
  }
  const engine = await (deps.createPolicyEngine ?? rootPolicyEngine)()
  const loaded = await engine.load(sources)
  if (!loaded.ok) {
    for (const d of loaded.diagnostics) {
      const from = (d as { source?: unknown }).source
      const file = sources.find((s) => s.name === from) ?? (sources.length === 1 ? sources[0] : undefined)
      io.err(`${file ? formatDiagnostic(d, file.name, new LineIndex(file.source)) : `${d.severity}[${d.code}]: ${d.message}`}\n`)
    }
    io.err('symbi-policy sandbox: the policy files have errors; nothing was run\n')
    return EXIT.usage
  }
  return engine
}

async function setup(args: readonly string[], io: CliIO, deps: SandboxCliDeps): Promise<number> {
  const a = parseArgs(args, { flags: ['--force', '--help'], options: ['--busybox'] })
  if (a.flags.has('--help')) return (io.out(USAGE), EXIT.ok)
  if (a.positionals.length > 0) throw new UsageError(`setup takes no arguments, got '${a.positionals[0]}'`)
  const busybox = a.options.get('--busybox')
  try {
    const engine = (deps.engine ?? ((x: CliIO) => connectDocker(x.env)))(io)
    const what = await ensureSandboxImage(engine, { ...(busybox ? { busybox: abs(io, busybox) } : {}), force: a.flags.has('--force') })
    io.out(`image ${SANDBOX_IMAGE} ${what}\n`)
    return EXIT.ok
  } catch (e) {
    io.err(`symbi-policy sandbox setup: ${e instanceof SandboxUnavailableError ? '' : 'cannot reach the Docker engine: '}${message(e)}\n`)
    return SANDBOX_EXIT.unavailable
  }
}

async function run(args: readonly string[], io: CliIO, deps: SandboxCliDeps): Promise<number> {
  const a = parseArgs(args, {
    flags: ['--json', '--help'],
    options: ['--tier', '--memory', '--cpus', '--timeout', '--output-limit', '--image', '--agent'],
    repeatable: ['--policy'],
    restIsCommand: true,
  })
  if (a.flags.has('--help')) return (io.out(USAGE), EXIT.ok)
  if (a.positionals.length > 0) throw new UsageError(`put the command after '--' (got '${a.positionals[0]}' before it)`)
  if (a.rest.length === 0) throw new UsageError('no command given; usage: sandbox run [options] -- <command> [args...]')
  const tierName = a.options.get('--tier') ?? 'tier1'
  const tier = Object.hasOwn(SANDBOX_TIER_NAMES, tierName) ? SANDBOX_TIER_NAMES[tierName] : undefined
  if (tier === undefined) throw new UsageError(`unknown tier '${tierName}' (tier1, docker, tier2, gvisor)`)
  const cpus = a.options.get('--cpus')
  if (cpus !== undefined && !/^\d+(\.\d+)?$/.test(cpus)) throw new UsageError(`--cpus must be a number, got '${cpus}'`)
  const options: SandboxOptions = {
    command: a.rest,
    ...(a.options.has('--image') ? { image: a.options.get('--image') as string } : {}),
    ...(a.options.has('--memory') ? { memory: a.options.get('--memory') as string } : {}),
    ...(cpus !== undefined ? { cpus: Number(cpus) } : {}),
    ...(a.options.has('--timeout') ? { timeout: a.options.get('--timeout') as string } : {}),
    ...(a.options.has('--output-limit') ? { outputLimit: a.options.get('--output-limit') as string } : {}),
  }
  const policies = a.repeated.get('--policy') ?? []
  const decider = policies.length === 0 ? defaultSandboxDecider : await loadPolicies(policies, io, deps)
  if (typeof decider === 'number') return decider
  const json = a.flags.has('--json')
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
  const runner = createSandboxRunner({ decider, ...(deps.engine ? { engine: deps.engine(io) } : { engine: connectDocker(io.env) }) })
  try {
    const result = await runner.run({
      agentId: a.options.get('--agent') ?? 'cli',
      tier,
      options,
      ...(json ? {} : { onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => (stream === 'stdout' ? io.out : io.err)(decoders[stream].write(chunk)) }),
    })
    if (json) io.out(`${JSON.stringify(result)}\n`)
    else {
      io.out(decoders.stdout.end())
      io.err(decoders.stderr.end())
      if (result.truncated) io.err(`symbi-policy sandbox: output truncated at ${options.outputLimit ?? SANDBOX_DEFAULTS.outputLimitBytes} bytes\n`)
      if (result.timedOut) io.err(`symbi-policy sandbox: timed out after ${options.timeout ?? `${SANDBOX_DEFAULTS.timeoutMs}ms`}; container killed and removed\n`)
      if (result.oomKilled) io.err('symbi-policy sandbox: killed by the memory limit\n')
    }
    if (result.timedOut) return SANDBOX_EXIT.timeout
    if (result.oomKilled) return 137
    return result.exitCode >= 0 && result.exitCode <= 255 ? result.exitCode : EXIT.failure
  } catch (e) {
    if (e instanceof ForbiddenError) {
      io.err(`symbi-policy sandbox: denied: ${e.reason}\n`)
      return SANDBOX_EXIT.denied
    }
    if (e instanceof SandboxUnavailableError) {
      io.err(`symbi-policy sandbox: unavailable: ${e.message}\n`)
      return SANDBOX_EXIT.unavailable
    }
    if (e instanceof SandboxConfigError) throw new UsageError(e.message)
    throw e
  }
}

/** Builds the command with injectable dependencies. */
export function sandboxCommand(deps: SandboxCliDeps = {}): Command {
  return async (args, io) => {
    const [sub, ...rest] = args
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.out(USAGE)
      return sub === undefined ? EXIT.usage : EXIT.ok
    }
    if (sub === 'setup') return setup(rest, io, deps)
    if (sub === 'run') return run(rest, io, deps)
    throw new UsageError(`unknown subcommand '${sub}' (setup, run)\n${USAGE}`)
  }
}

/** `symbi-policy sandbox setup|run`. */
export const sandbox: Command = sandboxCommand()
