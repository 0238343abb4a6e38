/**
 * Issue 9 item 3 at the messaging enforcement point, with the real engine: a channel's policy
 * governs only messages on that channel, and the channel comes from the message (Route.channel),
 * never from caller context.
 */
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../index.js'
import { EnforcementInputError, Enforcer, ForbiddenError, MessageRouter } from '../../../runtime/enforce/index.js'
import { MemorySink, spy } from './helpers.js'

const engine = createEngine()
const loaded = engine.load([{ name: 'team.symbi', source: 'channel finance_ops {\n  policy finance {\n    allow: send_to\n    deny: send_to if topic == "payroll" && sender == "worker"\n  }\n}\n' }])

function router(): { r: MessageRouter; audit: MemorySink } {
  const audit = new MemorySink()
  return { r: new MessageRouter(new Enforcer({ decider: engine, audit })), audit }
}

describe('channel-scoped policies at the messaging point', () => {
  it('loads', () => expect(loaded.ok).toBe(true))

  it('allows a send on finance_ops and nowhere else', async () => {
    const { r, audit } = router()
    const op = spy<unknown[], string>('sent')
    await r.sendTo({ sender: 'lead', recipient: 'bob', topic: 'q3', channel: 'finance_ops' }, op)
    expect(op.calls.length).toBe(1)
    expect(audit.events[0]?.details).toMatchObject({ channel: 'finance_ops', sender: 'lead' })
    for (const channel of [undefined, 'general', 'FINANCE_OPS']) {
      const err = await r.sendTo({ sender: 'lead', recipient: 'bob', topic: 'q3', ...(channel === undefined ? {} : { channel }) }, op).then(() => undefined, (e: unknown) => e)
      expect(err, String(channel)).toBeInstanceOf(ForbiddenError)
    }
    expect(op.calls.length).toBe(1)
  })

  it('the channel deny binds on the channel; a fan-out checks every target on it', async () => {
    const { r } = router()
    const op = spy<unknown[], string>('sent')
    const err = await r.parallel('worker', [{ recipient: 'a', topic: 'q3' }, { recipient: 'b', topic: 'payroll' }], async () => op(), undefined, 'finance_ops').then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ForbiddenError)
    expect(op.calls.length).toBe(0)
  })

  it('a caller cannot supply the channel through the context', async () => {
    const { r } = router()
    const op = spy<unknown[], string>('sent')
    const err = await r.sendTo({ sender: 'lead', recipient: 'bob', topic: 'q3', context: { channel: 'finance_ops' } }, op).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(EnforcementInputError)
    expect(op.calls.length).toBe(0)
  })
})
