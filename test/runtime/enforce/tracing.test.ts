/**
 * OpenTelemetry: with an SDK registered, every enforcement and every service decision is a span
 * with its point and effect; without one the API is a no-op (every other test runs that way).
 */
import { trace, type Span, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { Enforcer, ForbiddenError } from '../../../runtime/enforce/index.js'
import { createService, ServingSet } from '../../../server/index.js'
import { MemorySink, allow, decider, deny } from './helpers.js'

interface Recorded {
  name: string
  attributes: Record<string, unknown>
  status?: number
  ended: boolean
}
const spans: Recorded[] = []

function fakeSpan(r: Recorded): Span {
  const span = {
    setAttribute: (k: string, v: unknown) => ((r.attributes[k] = v), span),
    setAttributes: (a: Record<string, unknown>) => (Object.assign(r.attributes, a), span),
    setStatus: (s: { code: number }) => ((r.status = s.code), span),
    end: () => void (r.ended = true),
    isRecording: () => true,
    recordException: () => undefined,
    addEvent: () => span,
    addLink: () => span,
    addLinks: () => span,
    updateName: () => span,
    spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
  }
  return span as unknown as Span
}

const tracer: Tracer = {
  startSpan(name: string, options?: SpanOptions): Span {
    const r: Recorded = { name, attributes: { ...(options?.attributes ?? {}) }, ended: false }
    spans.push(r)
    return fakeSpan(r)
  },
  startActiveSpan(name: string, ...rest: unknown[]): unknown {
    const fn = rest[rest.length - 1] as (s: Span) => unknown
    return fn(this.startSpan(name, typeof rest[0] === 'object' ? (rest[0] as SpanOptions) : undefined))
  },
} as Tracer
trace.setGlobalTracerProvider({ getTracer: () => tracer } as TracerProvider)

const request = { principal: { id: 'u1' }, action: 'read', resource: { id: 'r1' } }

describe('OpenTelemetry spans', () => {
  it('one ended span per enforcement, named by the point, with the effect; a denial has error status', async () => {
    spans.length = 0
    await new Enforcer({ decider: decider(() => allow()), audit: new MemorySink() }).authorize({ point: 'resource_access', agentId: 'u1', request })
    const err = await new Enforcer({ decider: decider(() => deny('no')), audit: new MemorySink() }).authorize({ point: 'tool_invocation', agentId: 'u1', request }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ForbiddenError)
    expect(spans.map((s) => [s.name, s.attributes['symbi.point'], s.attributes['symbi.effect'], s.status, s.ended])).toEqual([
      ['symbi.enforce.resource_access', 'resource_access', 'allow', undefined, true],
      ['symbi.enforce.tool_invocation', 'tool_invocation', 'deny', 2, true],
    ])
  })

  it('the service spans each evaluation with its effect and batch size', async () => {
    spans.length = 0
    const serving = new ServingSet()
    expect(serving.loadSources([{ name: 'p.policy', source: 'policy p { allow: read if true }' }], undefined)).toBe(true)
    const s = createService({ serving })
    const post = (payload: unknown) => s.app.inject({ method: 'POST', url: '/v1/evaluate', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } })
    await post(request)
    await post({ requests: [request, request] })
    await s.close()
    expect(spans.map((x) => [x.name, x.attributes['symbi.effect'] ?? x.attributes['symbi.batch_size'], x.ended])).toEqual([
      ['symbi.evaluate', 'allow', true],
      ['symbi.evaluate', 2, true],
    ])
  })
})
