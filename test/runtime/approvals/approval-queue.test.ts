import { describe, expect, it } from 'vitest'
import type { AuthzRequest, Decision } from '../../../stdlib/decision.js'
import { ApprovalError, ApprovalQueue, ManualTimers, withGrants } from '../../../runtime/approvals/index.js'
import { Enforcer, ForbiddenError, guardResourceAccess } from '../../../runtime/enforce/index.js'
import { MemorySink, allow, decider, deny, needsApproval, spy } from '../enforce/helpers.js'

/** The seed's `require: supervisor_approval for high_memory_operations`, by hand: approved once a supervisor grant is present. */
function grantedBy(r: AuthzRequest): string[] {
  const a = r.context?.['approvals']
  return Array.isArray(a) ? a.map((g) => (typeof g === 'string' ? g : String((g as { approver?: unknown }).approver))) : []
}
const supervisorPolicy = (extraDeny?: (r: AuthzRequest) => string | undefined) =>
  decider((r): Decision => {
    const why = extraDeny?.(r)
    if (why !== undefined) return deny(why)
    return grantedBy(r).includes('supervisor') ? allow() : needsApproval('supervisor')
  })

const request: AuthzRequest = { principal: { id: 'agent-1' }, action: 'allocate', resource: { id: 'gpu-pool' }, context: { approvals: ['earlier'] } }

function queue(d = supervisorPolicy(), sink = new MemorySink(), timeoutMs?: number) {
  const timers = new ManualTimers(Date.UTC(2026, 0, 1))
  const q = new ApprovalQueue({ decider: d, audit: sink, timers, clock: () => timers.now(), ...(timeoutMs === undefined ? {} : { timeoutMs }) })
  return { q, timers, sink, d }
}

describe('ApprovalQueue', () => {
  it('approve re-evaluates the ORIGINAL request with the grant added to context.approvals', async () => {
    const { q, d, sink } = queue()
    const t = q.submit(request, needsApproval('supervisor') as Decision & { effect: 'require_approval' }, 'agent-1')
    const result = await q.approve(t.id, 'supervisor')
    expect(result.effect).toBe('allow')
    expect(await t.result).toEqual(result)
    expect(d.calls[0]).toEqual({ ...request, context: { approvals: ['earlier', { approver: 'supervisor', approval_id: t.id, granted_at: '2026-01-01T00:00:00.000Z' }] } })
    expect(request.context?.['approvals']).toEqual(['earlier'])
    expect(sink.events).toEqual([{ agentId: 'agent-1', type: 'approval', details: { approval_id: t.id, outcome: 'approved', by: 'supervisor', reason: 'approved', action: 'allocate', resource: 'gpu-pool' } }])
    expect(q.get(t.id)?.status).toBe('approved')
  })

  it('approval never bypasses policy: a deny on re-evaluation is the outcome', async () => {
    const { q, sink } = queue(supervisorPolicy((r) => (grantedBy(r).length > 1 ? 'maintenance window' : undefined)))
    const t = q.submit(request, needsApproval('supervisor') as never, 'agent-1')
    expect(await q.approve(t.id, 'supervisor')).toMatchObject({ effect: 'deny', reason: 'maintenance window' })
    expect(await t.result).toMatchObject({ effect: 'deny' })
    expect(sink.events[0]?.details).toMatchObject({ outcome: 'denied', reason: 'denied after approval: maintenance window' })
  })

  it('an approval by the wrong person leaves the request parked', async () => {
    const { q } = queue()
    const t = q.submit(request, needsApproval('supervisor') as never, 'agent-1')
    expect((await q.approve(t.id, 'intern')).effect).toBe('require_approval')
    expect(q.pending().map((p) => [p.id, p.grantedBy])).toEqual([[t.id, ['intern']]])
    expect((await q.approve(t.id, 'supervisor')).effect).toBe('allow')
  })

  it('reject denies with "rejected by <who>"; a second resolution is an error', async () => {
    const { q, sink } = queue()
    const t = q.submit(request, needsApproval('supervisor') as never, 'agent-1')
    expect(await q.reject(t.id, 'bob')).toMatchObject({ effect: 'deny', reason: 'rejected by bob' })
    expect(await t.result).toMatchObject({ reason: 'rejected by bob' })
    await expect(q.approve(t.id, 'supervisor')).rejects.toThrow(ApprovalError)
    await expect(q.reject(t.id, 'bob')).rejects.toThrow(/already resolved \(rejected\)/)
    await expect(q.approve('nope', 'x')).rejects.toThrow(/unknown approval id/)
    expect(sink.events.map((e) => e.details['outcome'])).toEqual(['rejected'])
  })

  it('times out after 120 s by default (deny, reason "timeout", audited), and the timeout is configurable', async () => {
    const { q, timers, sink } = queue()
    const t = q.submit(request, needsApproval('supervisor') as never, 'agent-1')
    timers.advance(119_999)
    expect(q.get(t.id)?.status).toBe('pending')
    timers.advance(1)
    expect(await t.result).toMatchObject({ effect: 'deny', reason: 'timeout' })
    await Promise.resolve()
    expect(sink.events.map((e) => e.details['outcome'])).toEqual(['timed_out'])
    await expect(q.approve(t.id, 'supervisor')).rejects.toThrow(/already resolved \(timed_out\)/)
    const short = queue(undefined, undefined, 5_000)
    const t2 = short.q.submit(request, needsApproval('supervisor') as never, 'a')
    short.timers.advance(5_000)
    expect(await t2.result).toMatchObject({ reason: 'timeout' })
    expect(() => new ApprovalQueue({ decider: undefined, audit: undefined, timeoutMs: -1 })).toThrow(RangeError)
  })

  it('resolution clears the timer, and a failed audit turns an approval into a deny', async () => {
    const { q, timers } = queue(undefined, new MemorySink(true))
    const t = q.submit(request, needsApproval('supervisor') as never, 'agent-1')
    expect(timers.pendingCount).toBe(1)
    expect(await q.approve(t.id, 'supervisor')).toMatchObject({ effect: 'deny', reason: /audit append failed/ })
    expect(timers.pendingCount).toBe(0)
  })

  it('forgets the oldest resolved requests beyond keepResolved; resolving a forgotten id is still an error', async () => {
    const timers = new ManualTimers()
    const q = new ApprovalQueue({ decider: supervisorPolicy(), audit: new MemorySink(), timers, keepResolved: 2 })
    const ids = [1, 2, 3].map(() => q.submit(request, needsApproval('supervisor') as never, 'a').id)
    for (const id of ids) await q.reject(id, 'bob')
    expect(ids.map((id) => q.get(id)?.status)).toEqual([undefined, 'rejected', 'rejected'])
    await expect(q.reject(ids[0] as string, 'bob')).rejects.toThrow(/unknown approval id/)
  })

  it('withGrants keeps a single existing grant and adds to it', () => {
    expect(withGrants({ principal: { id: 'p' }, action: 'a', context: { approvals: 'boss' } }, [{ approver: 'x' }]).context?.['approvals']).toEqual(['boss', { approver: 'x' }])
  })
})

describe('enforcer with an approval queue', () => {
  const access = { principal: { id: 'agent-1' }, operation: 'execute' as const, kind: 'command' as const, resource: 'rm -rf /tmp/x' }

  it('parks require_approval, runs the guarded operation only after an approval the policy accepts', async () => {
    const { q } = queue()
    const ids: string[] = []
    const sink = new MemorySink()
    const e = new Enforcer({ decider: supervisorPolicy(), audit: sink, approvals: q, onApprovalPending: (id) => ids.push(id) })
    const op = spy<unknown[], string>('done')
    const running = guardResourceAccess(e, access, op)
    await new Promise((r) => setImmediate(r))
    expect(op.calls).toHaveLength(0)
    expect(ids).toHaveLength(1)
    await q.approve(ids[0] as string, 'supervisor')
    const r = await running
    expect(r.value).toBe('done')
    expect(r.approvalId).toBe(ids[0])
    expect(op.calls).toHaveLength(1)
    expect(sink.events.map((ev) => ev.details['effect'])).toEqual(['require_approval', 'allow'])
  })

  it('a rejected or timed-out approval is a ForbiddenError and the operation never runs', async () => {
    for (const how of ['reject', 'timeout'] as const) {
      const { q, timers } = queue()
      let id = ''
      const e = new Enforcer({ decider: supervisorPolicy(), audit: new MemorySink(), approvals: q, onApprovalPending: (x) => (id = x) })
      const op = spy<unknown[], string>('done')
      const running = guardResourceAccess(e, access, op).catch((x: unknown) => x)
      await new Promise((r) => setImmediate(r))
      if (how === 'reject') await q.reject(id, 'alice')
      else timers.advance(120_000)
      const err = await running
      expect(err).toBeInstanceOf(ForbiddenError)
      expect((err as ForbiddenError).reason).toBe(how === 'reject' ? 'rejected by alice' : 'timeout')
      expect(op.calls).toHaveLength(0)
    }
  })

  it('a failed audit of the post-approval decision still denies', async () => {
    const { q } = queue()
    let id = ''
    let appends = 0
    const sink = new MemorySink(() => ++appends === 2)
    const e = new Enforcer({ decider: supervisorPolicy(), audit: sink, approvals: q, onApprovalPending: (x) => (id = x) })
    const op = spy<unknown[], string>('done')
    const running = guardResourceAccess(e, access, op).catch((x: unknown) => x)
    await new Promise((r) => setImmediate(r))
    expect((await q.approve(id, 'supervisor')).effect).toBe('allow')
    const err = await running
    expect(err).toBeInstanceOf(ForbiddenError)
    expect((err as ForbiddenError).reason).toMatch(/audit append failed/)
    expect(op.calls).toHaveLength(0)
  })
})
