/**
 * The decision service's HTTP API on fastify (SERVICE.md). Fastify because it is the fastest
 * well-kept Node framework with JSON body limits, content-type checks and prototype-poisoning
 * protection built in, and a graceful `close()` that finishes in-flight requests.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { context, trace, SpanStatusCode, type Span } from '@opentelemetry/api'
import type { AuthzRequest } from '../stdlib/decision.js'
import { maskSensitive } from '../runtime/masking.js'
import type { Value } from '../stdlib/value.js'
import { ApprovalRefused, MemoryApprovals, type ApprovalBackend, type ApprovalView } from './approvals.js'
import { NoAudit, type ServiceAudit, type StoreHealth } from './audit.js'
import type { SecurityEventSink } from '../runtime/events/security-event.js'
import type { Suspension } from '../runtime/events/suspension-store.js'
import { withSuspensions } from './suspended.js'
import type { ApproverTokens, TokenCheck } from './auth.js'
import { decideAll, validateRequest, type DecideContext, type Served } from './decide.js'
import { servedJson } from './decision-json.js'
import type { DecisionLog } from './decision-log.js'
import { describeError, sendError, ServiceError } from './errors.js'
import { createMetrics, type ServiceMetrics } from './metrics.js'
import type { ServingSet } from './serving-set.js'
import { ToolBlockedError, type ToolVerifier } from '../runtime/tools/tool-verifier.js'
import { withinBound } from '../runtime/bounded.js'

/** Options of {@link createService}. */
export interface ServiceOptions {
  /** What decides. */
  readonly serving: ServingSet
  /** Audit trail; default none (status says so). */
  readonly audit?: ServiceAudit
  /** Where parked requests live; default in this process. */
  readonly approvals?: ApprovalBackend
  /** Accepted bearer tokens; without, the API is open (bind it to loopback). */
  readonly tokens?: TokenCheck
  /**
   * Tokens that resolve approvals, each naming its approver. With service tokens configured,
   * approve/reject need one of these (a service token is refused: agents must not approve).
   */
  readonly approverTokens?: ApproverTokens
  /** Largest request body in bytes; default 1 MiB. */
  readonly bodyLimit?: number
  /** Most requests in one batch; default 1,000. */
  readonly maxBatch?: number
  /** Bound on each audit append and approval parking; default 5 s. */
  readonly auditTimeoutMs?: number
  /** Bound on receiving a whole request; default 30 s. */
  readonly requestTimeoutMs?: number
  readonly decisionLog?: DecisionLog
  readonly metrics?: ServiceMetrics
  /** Package version shown in `/v1/status`. */
  readonly serviceVersion?: string
  /** Where internal errors are reported (they never reach the client). */
  readonly onInternalError?: (e: unknown) => void
  /** SchemaPin verification for `POST /v1/tools/verify`; without it that route answers 503. */
  readonly toolVerifier?: ToolVerifier
  /** Extra store health for `/v1/status` (e.g. the TOFU store). */
  readonly stores?: () => Record<string, StoreHealth>
  /** Authentication failures are reported here as `auth_failure` security events (not awaited). */
  readonly security?: SecurityEventSink
  /**
   * Suspended agents (incident response; with PostgreSQL, shared by every replica): requests
   * whose principal is suspended are denied without asking a policy, and approving one of their
   * parked requests grants nothing — through the default approvals; an `approvals` backend of
   * your own re-evaluates through its decider, so give it `withSuspensions(decider, suspended)`
   * (as `serve` does).
   */
  readonly suspended?: (agent: string) => Suspension | undefined
}

/** A running service's parts. */
export interface Service {
  readonly app: FastifyInstance
  readonly metrics: ServiceMetrics
  readonly approvals: ApprovalBackend
  /** Stops accepting, finishes in-flight requests, then closes approvals, audit and the log. */
  close(): Promise<void>
}

const HEALTH = new Set(['/health/live', '/health/ready'])
const RESOLVE = new Set(['/v1/approvals/:id/approve', '/v1/approvals/:id/reject'])
const tracer = trace.getTracer('symbi-policy')

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function publicView(a: ApprovalView): Record<string, unknown> {
  return { ...a, request: maskSensitive(a.request as unknown as Value) }
}

/** Builds the service (not yet listening). */
export function createService(options: ServiceOptions): Service {
  const serving = options.serving
  const audit = options.audit ?? new NoAudit()
  const approvals = options.approvals ?? new MemoryApprovals(withSuspensions({ evaluate: (r) => requireEngine().evaluate(r) }, options.suspended), audit)
  const metrics = options.metrics ?? createMetrics(() => approvals.pendingCount(), () => serving.version, () => serving.loadCounts)
  const maxBatch = options.maxBatch ?? 1000
  const auditTimeoutMs = options.auditTimeoutMs ?? 5000
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    return503OnClosing: true,
    logger: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  })

  // JSON only: fastify's default text/plain parser would hand handlers a string body.
  app.removeContentTypeParser('text/plain')

  function requireEngine() {
    const engine = serving.engine
    if (engine === undefined) throw new ServiceError(503, 'not_ready', `no verified policy set is serving${serving.lastError ? `: ${serving.lastError.message}` : ''}`)
    return engine
  }

  function notReadyReasons(): string[] {
    const reasons: string[] = []
    if (!serving.ready) reasons.push(`no verified policy set is serving${serving.lastError ? ` (${serving.lastError.message})` : ''}`)
    const a = audit.health()
    if (!a.ok) reasons.push(`audit store (${a.kind}) is failing: ${a.message ?? 'unknown error'}`)
    const ap = approvals.health()
    if (!ap.ok) reasons.push(`approval store (${ap.kind}) is failing: ${ap.message ?? 'unknown error'}`)
    for (const [name, h] of Object.entries(options.stores?.() ?? {})) if (!h.ok) reasons.push(`${name} store (${h.kind}) is failing: ${h.message ?? 'unknown error'}`)
    return reasons
  }

  // Who resolves approvals, by request: the approver named by an approver token.
  const approverOf = new WeakMap<FastifyRequest, string>()

  const authFailed = (req: FastifyRequest, what: string): void => {
    metrics.authFailures.inc()
    // The client's address and the route, never the token: a wrong token may be a real one mistyped.
    options.security
      ?.emit({ severity: 'warning', category: 'auth_failure', description: `${what} on ${req.method} ${req.routeOptions.url ?? '(no route)'} from ${req.ip}`, affected: ['decision-service'], recommendedActions: ['check the caller’s credentials'], source: 'service' })
      .catch(() => undefined)
  }

  /** Refuses a request without the token its route needs; true when it answered. */
  function refused(req: FastifyRequest, reply: FastifyReply): boolean {
    // The route fastify matched, not the raw URL: percent-encoding or other spellings of a path
    // cannot route to a resolution while escaping its token check.
    const route = req.routeOptions.url
    if (req.method === 'POST' && route !== undefined && RESOLVE.has(route) && (options.tokens !== undefined || options.approverTokens !== undefined)) {
      const who = options.approverTokens?.who(req.headers.authorization)
      if (who !== undefined) {
        approverOf.set(req, who)
        return false
      }
      authFailed(req, 'approval resolution without an approver token')
      if (options.tokens?.accepts(req.headers.authorization) === true) {
        sendError(reply, 403, 'forbidden', options.approverTokens === undefined ? 'approvals are resolved with approver tokens (--approver-token-file); none are configured' : 'a service token cannot resolve approvals; use an approver token')
        return true
      }
      reply.header('www-authenticate', 'Bearer')
      sendError(reply, 401, 'unauthorized', 'missing or wrong approver token')
      return true
    }
    if (options.tokens === undefined) return false
    if (req.method === 'GET' && route !== undefined && HEALTH.has(route)) return false
    if (!options.tokens.accepts(req.headers.authorization) && options.approverTokens?.who(req.headers.authorization) === undefined) {
      authFailed(req, 'missing or wrong bearer token')
      reply.header('www-authenticate', 'Bearer')
      sendError(reply, 401, 'unauthorized', 'missing or wrong bearer token')
      return true
    }
    return false
  }

  // A callback hook, not an async one: no promise per request. Having answered, it must not
  // call `done` (fastify would go on to the handler).
  app.addHook('onRequest', (req, reply, done) => {
    if (!refused(req, reply)) done()
  })

  app.setErrorHandler((e, _req, reply) => {
    const d = describeError(e)
    if (d.status >= 500 && !(e instanceof ServiceError)) options.onInternalError?.(e)
    return sendError(reply, d.status, d.code, d.message)
  })
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'not_found', `no route ${req.method} ${req.url.split('?', 1)[0]}`))

  function decideContext(): DecideContext {
    return { engine: requireEngine(), revision: serving.bundle?.revision, audit, approvals, metrics, decisionLog: options.decisionLog, auditTimeoutMs, suspended: options.suspended }
  }

  // The answer is JSON text written here (servedJson), so fastify does not serialise it again.
  function decideBody(body: unknown, explain: boolean, span: Span): string | Promise<string> {
    const ctx = decideContext()
    if (isRecord(body) && Object.hasOwn(body, 'requests')) {
      if (explain) throw new ServiceError(400, 'bad_request', '/v1/explain takes one request, not a batch')
      const list = body['requests']
      if (!Array.isArray(list)) throw new ServiceError(400, 'bad_request', "field 'requests' must be an array of requests")
      if (list.length > maxBatch) throw new ServiceError(400, 'bad_request', `field 'requests' holds ${list.length} requests; at most ${maxBatch} per call`)
      const requests: AuthzRequest[] = list.map((r: unknown, i) => validateRequest(r, ctx.engine, `requests[${i}]`))
      span.setAttribute('symbi.batch_size', requests.length)
      const batch = (served: Served[]): string => `{"decisions":[${served.map(servedJson).join(',')}]}`
      const decided = decideAll(ctx, requests, false)
      return Array.isArray(decided) ? batch(decided) : decided.then(batch)
    }
    const request = validateRequest(body, ctx.engine, '')
    const one = (served: Served[]): string => {
      const s = served[0] as Served
      span.setAttribute('symbi.effect', s.decision.effect)
      return servedJson(s)
    }
    const decided = decideAll(ctx, [request], explain)
    return Array.isArray(decided) ? one(decided) : decided.then(one)
  }

  /**
   * Decides inside a span. The span is made the active context only when it records (an SDK is
   * registered), so that the audit store's own spans nest under it; without one, switching the
   * context would cost every request for nothing.
   */
  function evaluate(body: unknown, explain: boolean, reply: FastifyReply): string | Promise<string> {
    const span = tracer.startSpan(explain ? 'symbi.explain' : 'symbi.evaluate')
    const failed = (e: unknown): never => {
      span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
      throw e
    }
    let out: string | Promise<string>
    try {
      out = span.isRecording() ? context.with(trace.setSpan(context.active(), span), () => decideBody(body, explain, span)) : decideBody(body, explain, span)
    } catch (e) {
      return failed(e)
    }
    reply.header('content-type', 'application/json; charset=utf-8')
    if (typeof out === 'string') {
      span.end()
      return out
    }
    return out.then((text) => {
      span.end()
      return text
    }, failed)
  }

  app.post('/v1/evaluate', (req, reply) => evaluate(req.body, false, reply))
  app.post('/v1/explain', (req, reply) => evaluate(req.body, true, reply))

  app.get('/health/live', async () => ({ status: 'live' }))
  app.get('/health/ready', async (_req, reply) => {
    const reasons = notReadyReasons()
    if (reasons.length > 0) return sendError(reply, 503, 'not_ready', reasons.join('; '))
    return { status: 'ready' }
  })
  app.get('/v1/status', async () => ({
    version: serving.version,
    service: options.serviceVersion ?? null,
    ready: notReadyReasons().length === 0,
    bundle: serving.bundle ?? null,
    lastError: serving.lastError ?? null,
    evaluator: serving.engine?.stats.evaluator ?? null,
    stores: { audit: audit.health(), approvals: approvals.health(), ...(options.stores?.() ?? {}) },
  }))
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.get('/v1/approvals', async () => ({ approvals: (await approvals.list()).map(publicView) }))
  app.get<{ Params: { id: string }; Querystring: { wait?: string } }>('/v1/approvals/:id', async (req) => {
    // `?wait=N` (seconds, at most 60) holds the answer until the request is resolved, at any replica.
    const wait = req.query.wait
    let seconds = 0
    if (wait !== undefined) {
      seconds = Number(wait)
      if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60) throw new ServiceError(400, 'bad_request', "query 'wait' must be a number of seconds from 0 to 60")
    }
    const a = seconds > 0 ? await approvals.waitResolved(req.params.id, seconds * 1000) : await approvals.get(req.params.id)
    if (a === undefined) throw new ServiceError(404, 'not_found', `no approval '${req.params.id}'`)
    return publicView(a)
  })
  const resolve = (kind: 'approve' | 'reject') => async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const body = req.body
    const who = 'approver'
    if (!isRecord(body)) throw new ServiceError(400, 'bad_request', `request body must be a JSON object { "${who}": string, "reason"?: string }`)
    const byToken = approverOf.get(req)
    const approver = body[who] ?? byToken
    if (typeof approver !== 'string' || approver.trim() === '' || approver.length > 256) throw new ServiceError(400, 'bad_request', `field '${who}' must be a non-empty string of at most 256 characters`)
    if (byToken !== undefined && approver !== byToken) throw new ServiceError(403, 'forbidden', `this token belongs to approver '${byToken}', not '${approver}'`)
    const reason = body['reason']
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 2048)) throw new ServiceError(400, 'bad_request', "field 'reason' must be a string of at most 2048 characters")
    requireEngine()
    try {
      const out = kind === 'approve' ? await approvals.approve(req.params.id, approver, reason) : await approvals.reject(req.params.id, approver, reason)
      return { decision: out.decision, approval: publicView(out.approval) }
    } catch (e) {
      if (e instanceof ApprovalRefused) throw new ServiceError(e.kind === 'not_found' ? 404 : 409, e.kind, e.message)
      throw e
    }
  }
  // SchemaPin over HTTP: verify a tool's signed schema and pin its provider's key (TOFU). With a
  // shared store, a key pinned through one replica is a key_mismatch at every other.
  app.post('/v1/tools/verify', async (req, reply) => {
    const verifier = options.toolVerifier
    if (verifier === undefined) throw new ServiceError(503, 'not_ready', 'no key store configured for tool verification (--postgres or --tofu-store)')
    const b = req.body
    if (!isRecord(b)) throw new ServiceError(400, 'bad_request', 'request body must be a JSON object { "name", "provider", "schema", "publicKey" }')
    for (const f of ['name', 'provider', 'publicKey'] as const) if (typeof b[f] !== 'string' || b[f] === '') throw new ServiceError(400, 'bad_request', `field '${f}' must be a non-empty string`)
    if (!isRecord(b['schema'])) throw new ServiceError(400, 'bad_request', "field 'schema' must be a JSON object (the tool's signed schema)")
    const tool = { name: b['name'] as string, provider: b['provider'] as string, schema: b['schema'], publicKey: b['publicKey'] as string }
    let outcome: { status: string; keyId?: string; warnings: readonly string[] } | undefined
    let blocked: ToolBlockedError | undefined
    try {
      outcome = await verifier.verify(tool)
    } catch (e) {
      if (!(e instanceof ToolBlockedError)) throw e
      blocked = e
    }
    if (audit.enabled) {
      const details = { tool: tool.name, provider: tool.provider, outcome: blocked ? 'blocked' : (outcome?.status ?? 'unknown'), ...(blocked ? { problem: blocked.problem, reason: blocked.detail } : {}), ...(outcome?.keyId ? { key_id: outcome.keyId } : {}) }
      try {
        await withinBound(audit.append({ agentId: tool.provider, type: blocked ? 'security_violation' : 'tool_invocation', details }), auditTimeoutMs, 'audit append')
      } catch (e) {
        metrics.auditFailures.inc()
        if (!blocked) throw new ServiceError(503, 'audit_unavailable', `tool verification could not be audited: ${e instanceof Error ? e.message : String(e)}; the tool must not run`)
      }
    }
    if (blocked) return reply.code(403).send({ error: { code: 'tool_blocked', message: blocked.message, problem: blocked.problem } })
    return outcome
  })

  app.post('/v1/approvals/:id/approve', resolve('approve'))
  app.post('/v1/approvals/:id/reject', resolve('reject'))

  return {
    app,
    metrics,
    approvals,
    async close() {
      await app.close()
      await approvals.close()
      await audit.close()
      await options.decisionLog?.close()
    },
  }
}
