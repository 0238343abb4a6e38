/**
 * SEMANTICS.md §6: a channel's data-classification rules are checked on every message sent on
 * the channel. On dbb8d23 the `data_classification` block was parsed and ignored: `secret:
 * "deny"` let secret data through.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet } from '../../compiler/index.js'
import { createEngine } from '../../index.js'
import { EnforcementInputError, Enforcer, ForbiddenError, MessageRouter } from '../../runtime/enforce/index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { MemorySink, spy } from '../runtime/enforce/helpers.js'

const SOURCE = `channel ops {
    policy talk { allow: [ask, send_to] }
    data_classification {
        public: "allow"
        internal: "encrypt"
        confidential: "encrypt_and_audit"
        secret: "deny"
    }
}
policy elsewhere { allow: send_to }
`

function engine() {
  const e = createEngine()
  const r = e.load([{ name: 'ops.symbi', source: SOURCE }])
  if (!r.ok) throw new Error(JSON.stringify(r.files))
  return e
}

const msg = (classification: string | undefined, channel: string | null = 'ops'): AuthzRequest => ({
  principal: { id: 'a' },
  action: 'send_to',
  context: { ...(channel === null ? {} : { channel }), ...(classification === undefined ? {} : { classification }) },
})

describe('channel data classification', () => {
  it('each action of the block, on the channel', () => {
    const e = engine()
    expect(e.evaluate(msg('public')).effect).toBe('allow')
    expect(e.evaluate(msg('internal'))).toMatchObject({ effect: 'allow_with_conditions', conditions: [{ kind: 'obligation', name: 'encrypt' }] })
    expect(e.evaluate(msg('confidential'))).toMatchObject({ effect: 'allow_with_conditions', conditions: [{ kind: 'obligation', name: 'encrypt' }, { kind: 'audit', name: 'classified_message' }] })
    expect(e.evaluate(msg('secret'))).toMatchObject({ effect: 'deny', determining: [{ policy: 'data_classification@ops' }] })
  })

  it('a classification the block does not list is refused: a case variant cannot walk past the deny', () => {
    const e = engine()
    for (const c of ['SECRET', 'Secret', 'top-secret', 'secret ', '']) expect(e.evaluate(msg(c)).effect, JSON.stringify(c)).toBe('deny')
  })

  it('an unclassified message on a classified channel cannot be checked and is refused', () => {
    expect(engine().evaluate(msg(undefined))).toMatchObject({ effect: 'deny', errors: [expect.objectContaining({ code: 'EVAL001' })] })
  })

  it('binds only its channel', () => {
    const e = engine()
    expect(e.evaluate(msg('secret', 'general')).effect).toBe('allow')
    expect(e.evaluate(msg(undefined, null)).effect).toBe('allow')
  })

  it('an unknown action is CHECK026 at the entry', () => {
    const source = 'channel c {\n  data_classification {\n    secret: "shred"\n  }\n}\n'
    const r = compilePolicySet([{ name: 'c.symbi', source }])
    expect(r.value).toBeUndefined()
    const d = r.files.flatMap((f) => f.diagnostics).find((x) => x.code === 'CHECK026')
    expect(d && source.slice(d.span.start, d.span.end)).toBe('"shred"')
  })

  it('an audit-only entry audits; a block of only "allow" entries still refuses what it does not list; an empty block binds nothing', () => {
    const load = (block: string) => {
      const e = createEngine()
      const r = e.load([{ name: 'c.symbi', source: `channel ops {\n  policy talk { allow: send_to }\n  data_classification {\n${block}\n  }\n}\n` }])
      expect(r.ok, JSON.stringify(r.files)).toBe(true)
      return e
    }
    const audited = load('    logs: "audit"\n    public: "allow"')
    expect(audited.evaluate(msg('logs'))).toMatchObject({ effect: 'allow_with_conditions', conditions: [{ kind: 'audit', name: 'classified_message' }] })
    expect(audited.evaluate(msg('public')).effect).toBe('allow')
    const allowOnly = load('    public: "allow"')
    expect(allowOnly.evaluate(msg('public')).effect).toBe('allow')
    expect(allowOnly.evaluate(msg('secret'))).toMatchObject({ effect: 'deny', determining: [{ policy: 'data_classification@ops' }] })
    const empty = load('')
    expect(empty.evaluate(msg('anything')).effect).toBe('allow')
    expect(empty.evaluate(msg(undefined)).effect).toBe('allow')
  })

  it('CHECK026 names the entry, the action it does not know, and the actions it does', () => {
    const diagnosticFor = (action: string) => {
      const r = compilePolicySet([{ name: 'c.symbi', source: `channel c {\n  data_classification {\n    secret: ${action}\n  }\n}\n` }])
      return r.files.flatMap((f) => f.diagnostics).find((x) => x.code === 'CHECK026')
    }
    const help = 'use one of "allow", "deny", "encrypt", "encrypt_and_audit", "audit"'
    expect(diagnosticFor('"shred"')).toMatchObject({ severity: 'error', message: 'data classification `secret` names an unknown action `shred`', help })
    expect(diagnosticFor('shred')).toMatchObject({ message: 'data classification `secret` names an unknown action `shred`', help })
    // A bare identifier that is a known action is that action.
    expect(diagnosticFor('deny')).toBeUndefined()
    expect(diagnosticFor('42')).toMatchObject({ message: 'data classification `secret` names an unknown action', help })
  })

  it('the messaging point sets the classification from the message, never from caller context', async () => {
    const router = new MessageRouter(new Enforcer({ decider: engine(), audit: new MemorySink() }))
    const op = spy<unknown[], string>('sent')
    await router.sendTo({ sender: 'a', recipient: 'b', topic: 't', channel: 'ops', classification: 'public' }, op)
    expect(op.calls.length).toBe(1)
    await expect(router.sendTo({ sender: 'a', recipient: 'b', topic: 't', channel: 'ops', classification: 'secret' }, op)).rejects.toBeInstanceOf(ForbiddenError)
    await expect(router.sendTo({ sender: 'a', recipient: 'b', topic: 't', channel: 'ops', context: { classification: 'public' } }, op)).rejects.toBeInstanceOf(EnforcementInputError)
    const err = await router.parallel('a', [{ recipient: 'b', topic: 't' }], async () => op(), undefined, 'ops', 'secret').then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(ForbiddenError)
    expect(op.calls.length).toBe(1)
  })
})
