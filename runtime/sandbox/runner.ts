import type { Condition, PolicyDecider } from '../../stdlib/decision.js'
import type { ValueRecord } from '../../stdlib/value.js'
import type { ApprovalQueue } from '../approvals/index.js'
import type { AuditSink } from '../audit-sink.js'
import type { SandboxTier } from '../enforce/index.js'
import { Enforcer, type EnforcementSecurity } from '../enforce/index.js'
import { containerCreateOptions } from './container-spec.js'
import { connectDocker } from './docker-engine.js'
import type { SandboxContainer, SandboxEngine } from './engine.js'
import { SandboxConfigError, SandboxUnavailableError } from './errors.js'
import type { ResolvedSandboxOptions, SandboxOptions } from './options.js'
import { resolveSandboxOptions } from './options.js'
import type { OutputListener } from './output.js'
import { OutputCapture } from './output.js'
import type { RealPath } from './mounts.js'
import { sandboxRequest } from './request.js'
import type { TierSelection } from './tier.js'
import { DEFAULT_AUDIT_TIMEOUT_MS, withinBound } from '../bounded.js'
import { TIER_RUNTIME } from './tier.js'

/** How a runner is set up. */
export interface SandboxRunnerConfig {
  /** Decides every run before anything is created. */
  readonly decider: PolicyDecider
  /**
   * Receives the decision and the result of every run; a rejected append fails the run closed.
   * Without a sink nothing is recorded (an explicit choice of the caller, e.g. the bare CLI).
   */
  readonly audit?: AuditSink
  /** Where `require_approval` decisions are parked; without one they are denied. */
  readonly approvals?: ApprovalQueue
  /** The engine; by default the local Docker engine named by DOCKER_HOST, connected on first use. */
  readonly engine?: SandboxEngine
  /** Capabilities that runs may add back (default: none). */
  readonly allowedCapabilities?: readonly string[]
  /** Longest wait for an asynchronous policy decider before it counts as a deny (default 1 s). */
  readonly decisionTimeoutMs?: number
  /** Longest wait for engine calls that are not the run itself (default 15 s). */
  readonly engineTimeoutMs?: number
  /** Symlink resolution for mount sources (tests). */
  readonly realPath?: RealPath
  /** Security monitoring: suspended agents are refused, kills (OOM, timeout) reported as `sandbox_kill` events. */
  readonly security?: EnforcementSecurity
}

/** One run. */
export interface SandboxRunRequest {
  /** The agent on whose behalf the command runs (the request's principal). */
  readonly agentId: string
  /** The tier to run in (see `selectTier`). */
  readonly tier: SandboxTier
  /** What to run and how. */
  readonly options: SandboxOptions
  /** How the tier was chosen; copied into `context.sandbox` for policies. */
  readonly selection?: TierSelection
  /** Extra request context (user, session, …). */
  readonly context?: ValueRecord
  /** Receives output as it arrives (within the cap). */
  readonly onOutput?: OutputListener
}

/** The outcome of a run that started. A non-zero exit is a result, not an exception. */
export interface SandboxResult {
  /** Exit status of the command; 137 when it was killed (timeout or out of memory). */
  readonly exitCode: number
  /** Captured stdout (within the cap). */
  readonly stdout: string
  /** Captured stderr (within the cap). */
  readonly stderr: string
  /** Whether output was dropped because of the cap. */
  readonly truncated: boolean
  /** Whether the wall-clock limit killed it. */
  readonly timedOut: boolean
  /** Whether the memory limit killed it. */
  readonly oomKilled: boolean
  /** Milliseconds from start to exit. */
  readonly durationMs: number
  /** Tier it ran in. */
  readonly tier: SandboxTier
  /** Conditions the decision attached; the caller carries out obligations it understands. */
  readonly conditions: readonly Condition[]
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

/** Used when no audit sink is configured: the caller chose to keep no record. */
const DISCARD: AuditSink = { append: async () => undefined }

/**
 * Runs commands in a sandbox tier, each one decided by policy first. Order of a run:
 * validate options → decide and audit the decision (the shared `Enforcer`,
 * enforcement point `resource_access`, audit type `sandbox_execution`) → check that the tier's runtime and the image
 * exist → create, attach, start, wait (kill on timeout) → read the state → remove → audit the
 * result. Anything but allow / allow_with_conditions stops the run before the engine is contacted.
 */
export class SandboxRunner {
  private engineInstance: SandboxEngine | undefined
  private readonly enforcer: Enforcer
  private readonly sink: AuditSink

  constructor(private readonly config: SandboxRunnerConfig) {
    this.engineInstance = config.engine
    this.sink = config.audit ?? DISCARD
    this.enforcer = new Enforcer({
      decider: config.decider,
      audit: this.sink,
      ...(config.security !== undefined ? { security: config.security } : {}),
      ...(config.decisionTimeoutMs !== undefined ? { timeoutMs: config.decisionTimeoutMs } : {}),
      ...(config.approvals ? { approvals: config.approvals } : {}),
    })
  }

  private get engine(): SandboxEngine {
    this.engineInstance ??= connectDocker()
    return this.engineInstance
  }

  /**
   * Runs one command. Throws `SandboxConfigError` (bad or unsafe options), `ForbiddenError` (the
   * policy did not permit it, or its decision could not be recorded) or `SandboxUnavailableError`.
   */
  async run(req: SandboxRunRequest): Promise<SandboxResult> {
    let options: ResolvedSandboxOptions
    try {
      if (!Object.hasOwn(TIER_RUNTIME, req.tier)) throw new SandboxConfigError('tier', `unknown tier ${JSON.stringify(req.tier)}; expected "tier1" or "tier2"`)
      options = resolveSandboxOptions(req.options, {
        ...(this.config.allowedCapabilities ? { allowedCapabilities: this.config.allowedCapabilities } : {}),
        ...(this.config.realPath ? { realPath: this.config.realPath } : {}),
      })
    } catch (e) {
      if (e instanceof SandboxConfigError) {
        await this.enforcer.report({ agentId: req.agentId, type: 'security_violation', details: { point: 'sandbox', field: e.field, message: e.message } })
      }
      throw e
    }
    const tier = req.tier
    const selection: ValueRecord | undefined = req.selection ? { ...req.selection } : undefined
    const request = sandboxRequest({ agentId: req.agentId, tier, options, ...(req.context ? { context: req.context } : {}), ...(selection ? { selection } : {}) })
    const summary: ValueRecord = { tier, image: options.image, command: [...options.command] }
    const auth = await this.enforcer.authorize({
      point: 'resource_access',
      agentId: req.agentId,
      request,
      auditType: 'sandbox_execution',
      details: { phase: 'decision', ...summary },
    })
    await this.checkAvailable(tier, options.image)
    const result = await this.execute(options, tier, req, auth.conditions)
    try {
      await withinBound(this.sink.append({
        agentId: req.agentId,
        type: 'sandbox_execution',
        details: {
          phase: 'result',
          ...summary,
          exit_code: result.exitCode,
          timed_out: result.timedOut,
          oom_killed: result.oomKilled,
          truncated: result.truncated,
          duration_ms: result.durationMs,
        },
      }), DEFAULT_AUDIT_TIMEOUT_MS, 'audit append')
    } catch (e) {
      // The command has run; withholding its result is the closed failure left to us.
      throw new Error(`sandbox: the audit trail rejected the result record (${message(e)})`)
    }
    if (result.timedOut || result.oomKilled) {
      const why = result.oomKilled ? 'out of memory' : `over its ${options.timeoutMs} ms limit`
      await this.config.security
        ?.emit({ severity: 'warning', category: 'sandbox_kill', description: `sandbox run of '${req.agentId}' killed: ${why}`, agent: req.agentId, affected: [req.agentId, `tier:${tier}`], recommendedActions: ['check the agent’s workload'], source: 'sandbox' })
        .catch(() => undefined)
    }
    return result
  }

  private async checkAvailable(tier: SandboxTier, image: string): Promise<void> {
    const timeout = this.config.engineTimeoutMs ?? 15_000
    let runtimes: readonly string[]
    try {
      runtimes = await bounded(this.engine.runtimes(), timeout, 'the Docker engine')
    } catch (e) {
      throw new SandboxUnavailableError(tier, `cannot reach the Docker engine: ${message(e)}`)
    }
    if (tier === 'tier2' && !runtimes.includes(TIER_RUNTIME.tier2)) {
      throw new SandboxUnavailableError(
        tier,
        `tier2 needs the gVisor runtime "runsc", which this Docker engine has not registered (runtimes: ${runtimes.join(', ') || 'none'}). ` +
          'Install gVisor (https://gvisor.dev/docs/user_guide/install/) and register it with `runsc install` and a dockerd restart; tier2 never falls back to tier1.',
      )
    }
    let present: boolean
    try {
      present = await bounded(this.engine.hasImage(image), timeout, 'the Docker engine')
    } catch (e) {
      throw new SandboxUnavailableError(tier, `cannot inspect image ${image}: ${message(e)}`)
    }
    if (!present) throw new SandboxUnavailableError(tier, `image ${image} is not present locally (images are never pulled); run \`symbi-policy sandbox setup\``)
  }

  private async execute(o: ResolvedSandboxOptions, tier: SandboxTier, req: SandboxRunRequest, conditions: readonly Condition[]): Promise<SandboxResult> {
    const capture = new OutputCapture(o.outputLimitBytes, req.onOutput)
    const limit = this.config.engineTimeoutMs ?? 15_000
    const container: SandboxContainer = await bounded(this.engine.createContainer(containerCreateOptions(o, tier, req.agentId)), limit, 'container create')
    try {
      const sinks = { stdout: (c: Buffer) => capture.push('stdout', c), stderr: (c: Buffer) => capture.push('stderr', c) }
      const { ended } = await bounded(container.attach(sinks), limit, 'container attach')
      const started = performance.now()
      await bounded(container.start(), limit, 'container start')
      const waited = container.wait()
      let timer: NodeJS.Timeout | undefined
      const expired = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), o.timeoutMs)
      })
      let status = await Promise.race([waited, expired]).finally(() => clearTimeout(timer))
      const timedOut = status === 'timeout'
      if (status === 'timeout') {
        await container.kill()
        status = await bounded(waited, 10_000, 'the killed container').catch(() => 137)
      }
      const durationMs = Math.round(performance.now() - started)
      // The attach stream closes right after the exit; the bound only guards against an engine
      // that never closes it, which must not turn a finished run into a hang.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2_000).unref())])
      const state = await bounded(container.inspect(), limit, 'container inspect')
      return {
        exitCode: status,
        stdout: capture.text('stdout'),
        stderr: capture.text('stderr'),
        truncated: capture.truncated,
        timedOut,
        oomKilled: state.oomKilled,
        durationMs,
        tier,
        conditions,
      }
    } finally {
      await bounded(container.remove(), limit, 'container remove')
    }
  }
}

/** Makes a runner. */
export function createSandboxRunner(config: SandboxRunnerConfig): SandboxRunner {
  return new SandboxRunner(config)
}
