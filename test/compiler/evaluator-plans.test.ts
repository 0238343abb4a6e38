/**
 * What compiler/evaluator.ts promises beyond "same decision as the interpreter", found by its
 * first mutation run (issue 14): the decisions of the common outcomes are built once, frozen and
 * shared; a plan longer than one chunk still reaches its later rules; single rules before an
 * equality block are not lost; a rule indexed under two names is evaluated once; a block of
 * deny rules fails closed on a missing argument instead of skipping by its index; an evaluation
 * re-entered from a host function keeps the outer one's errors; `readsClock` finds every `now()`;
 * and the chunk bodies a compiled module carries cover equality blocks.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEvaluator, createHostFunctionRegistry, interpret, registerHostFunction } from '../../index.js'
import { generatedChunkBodies } from '../../compiler/evaluator.js'
import type { PolicySet } from '../../compiler/pipeline.js'
import type { AuthzRequest, Decision, EvaluatorMode } from '../../index.js'

function compile(source: string, options: Parameters<typeof compilePolicySet>[1] = {}): PolicySet {
  const r = compilePolicySet([{ name: 'p.policy', source }], options)
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

const MODES: readonly EvaluatorMode[] = ['generated', 'closures']
const reference = (set: PolicySet, r: AuthzRequest): Decision => interpret(set.checked, r, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })

/** Rules `allow: read(doc) if doc.type == "T<k>" && doc.open` for k < n: an equality block when n ≥ 4. */
const typed = (n: number): string => Array.from({ length: n }, (_, k) => `  allow: read(doc) if doc.type == "T${k}" && doc.open\n`).join('')

describe('shared decisions', () => {
  const set = compile(`policy p {\n  deny: read(doc) if doc.locked\n  allow: write\n  allow: export if principal.vip\n${typed(6)}}`)
  const requests: readonly [string, AuthzRequest][] = [
    ['a deny that fired', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', locked: true } }],
    ['an allow of a single rule', { principal: { id: 'a' }, action: 'write' }],
    ['an allow in an equality block', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', locked: false, type: 'T3', open: true } }],
    ['no allow in an equality block', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', locked: false, type: 'T9', open: true } }],
    ['no rule at all', { principal: { id: 'a' }, action: 'delete' }],
    ['no allow: a single rule whose guard is false', { principal: { id: 'a', vip: false }, action: 'export' }],
    ['no allow: a block rule whose guard is false', { principal: { id: 'a' }, action: 'read', resource: { id: 'd', locked: false, type: 'T3', open: false } }],
  ]
  it.each(requests)('%s: one frozen decision, the same object for every request that gets it', (_what, req) => {
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      const first = e.evaluate(req)
      const again = e.evaluate(structuredClone(req))
      expect(first).toEqual(reference(set, req))
      expect(again).toBe(first)
      expect(Object.isFrozen(first)).toBe(true)
      expect(Object.isFrozen(first.errors)).toBe(true)
    }
  })
})

describe('shared decisions with conditions (require and audit rules)', () => {
  const set = compile(`policy p {
  allow: read
  allow: deploy if principal.role == "engineer"
  require: [audit_trail = "detailed"] for read
  audit: reads for read with digital_signature if resource.secret
  require: [owner = principal.id] for write
  allow: write
  require: approval("supervisor") for deploy
  require: principal.level > 2 for export
  allow: export
  audit: exports for export
}`)
  const read = (secret: unknown): AuthzRequest => ({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', secret } as never })
  const distinct = (ds: readonly Decision[]): number => new Set(ds).size

  it('an outcome with literal conditions only is built once per set of rules that took part, frozen, and equal to the interpreter', () => {
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      const plain = [read(false), read(false), read(false)].map((r) => e.evaluate(r))
      const secret = [read(true), read(true)].map((r) => e.evaluate(r))
      expect(plain[0]).toEqual(reference(set, read(false)))
      expect(secret[0]).toEqual(reference(set, read(true)))
      expect(plain[0]?.effect).toBe('allow_with_conditions')
      // One object per outcome; the two outcomes (audit rule in or out) are different objects.
      expect(distinct(plain)).toBe(1)
      expect(distinct(secret)).toBe(1)
      expect(secret[0]).not.toBe(plain[0])
      expect(secret[0]?.determining).toHaveLength(3)
      expect(plain[0]?.determining).toHaveLength(2)
      for (const d of [plain[0], secret[0]]) expect(Object.isFrozen(d) && Object.isFrozen((d as { conditions: unknown[] }).conditions) && Object.isFrozen((d as { conditions: object[] }).conditions[0])).toBe(true)
      // A precondition that holds takes part as well, and its outcome is shared too.
      const exp = [0, 1].map(() => e.evaluate({ principal: { id: 'a', level: 3 }, action: 'export' }))
      expect(exp[0]).toEqual(reference(set, { principal: { id: 'a', level: 3 }, action: 'export' }))
      expect(distinct(exp)).toBe(1)
    }
  })

  it('what depends on the request is built per request: values from the request, approvals, errors', () => {
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      const writes = ['a', 'b', 'a'].map((id) => e.evaluate({ principal: { id }, action: 'write' }))
      expect(writes.map((d) => (d as { conditions: { value: unknown }[] }).conditions[0]?.value)).toEqual(['a', 'b', 'a'])
      expect(writes[2]).toEqual(reference(set, { principal: { id: 'a' }, action: 'write' }))
      expect(distinct(writes)).toBe(3)
      expect(Object.isFrozen(writes[0])).toBe(false)
      const deploy = (approvals?: string[]): AuthzRequest => ({ principal: { id: 'e', role: 'engineer' }, action: 'deploy', ...(approvals ? { context: { approvals } } : {}) })
      const asked = [e.evaluate(deploy()), e.evaluate(deploy())]
      const granted = [e.evaluate(deploy(['supervisor'])), e.evaluate(deploy(['supervisor']))]
      expect(asked[0]).toEqual(reference(set, deploy()))
      expect(granted[0]).toEqual(reference(set, deploy(['supervisor'])))
      expect([asked[0]?.effect, granted[0]?.effect]).toEqual(['require_approval', 'allow'])
      expect(distinct(granted)).toBe(2)
    }
  })

  it('an outcome with an error is neither served from nor kept for the shared one of the same rules', () => {
    // An audit guard that errors attaches its obligation anyway (auditing more is safe), so the
    // erroring request takes part with the same rules as a clean one: only the error tells them apart.
    for (const mode of MODES) {
      for (const cleanFirst of [true, false]) {
        const e = createEvaluator(set, 1, undefined, { mode })
        const first = e.evaluate(cleanFirst ? read(true) : read('yes'))
        const second = e.evaluate(cleanFirst ? read('yes') : read(true))
        const [clean, broken] = cleanFirst ? [first, second] : [second, first]
        expect(broken).toEqual(reference(set, read('yes')))
        expect(broken.errors).toHaveLength(1)
        expect(clean).toEqual(reference(set, read(true)))
        expect(clean.errors).toEqual([])
        expect(e.evaluate(read(true))).toBe(clean)
        expect(e.evaluate(read('yes')).errors).toHaveLength(1)
      }
    }
  })
})

describe('plans longer than one generated chunk', () => {
  // 100 rules no index takes: a chunk holds at most 64, so rule 81 sits in the second chunk.
  const rules = Array.from({ length: 100 }, (_, k) => `  allow: read if principal.level > ${1000 - k}\n`).join('')
  const set = compile(`policy p {\n${rules}}`)
  it('reach a rule in a later chunk, and report the errors of every chunk', () => {
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      const late = { principal: { id: 'a', level: 920 }, action: 'read' }
      const d = e.evaluate(late)
      expect(d).toEqual(reference(set, late))
      expect(d.effect).toBe('allow')
      expect(d.determining[0]?.rule).toBe(81)
      const none = { principal: { id: 'a', level: 1 }, action: 'read' }
      expect(e.evaluate(none)).toEqual(reference(set, none))
      const failing = { principal: { id: 'a', level: 'high' }, action: 'read' }
      const f = e.evaluate(failing)
      expect(f).toEqual(reference(set, failing))
      expect(f.errors).toHaveLength(100)
    }
  })
  it('inside an equality block too', () => {
    const block = compile(`policy p {\n${Array.from({ length: 100 }, (_, k) => `  allow: read(doc) if doc.kind == "memo" && doc.size > ${1000 - k}\n`).join('')}}`)
    for (const mode of MODES) {
      const e = createEvaluator(block, 1, undefined, { mode })
      expect(e.indexedRules).toBe(100)
      const r = { principal: { id: 'a' }, action: 'read', resource: { id: 'd', kind: 'memo', size: 920 } }
      const d = e.evaluate(r)
      expect(d).toEqual(reference(block, r))
      expect(d.determining[0]?.rule).toBe(81)
    }
  })
})

describe('equality blocks in a plan', () => {
  it('keep the single rules before and after them', () => {
    const set = compile(`policy p {\n  allow: read if principal.level > 5\n${typed(5)}  allow: read if principal.level < 0\n}`)
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      expect(e.indexedRules).toBe(5)
      for (const level of [9, -1, 3]) {
        const r = { principal: { id: 'a', level }, action: 'read', resource: { id: 'd', type: 'none', open: true } }
        expect(e.evaluate(r)).toEqual(reference(set, r))
      }
      expect(e.evaluate({ principal: { id: 'a', level: 9 }, action: 'read', resource: { id: 'd', type: 'none', open: true } }).effect).toBe('allow')
      expect(e.evaluate({ principal: { id: 'a', level: -1 }, action: 'read', resource: { id: 'd', type: 'none', open: true } }).effect).toBe('allow')
    }
  })

  it.each([
    ['argument 0, given explicitly beside a resource', (k: number) => `allow: send(to) if to.team == "t${k}"`, { name: 'send', args: [{ team: 't3' }, { team: 't1' }] }, { id: 'r', team: 't1' }],
    ['argument 1', (k: number) => `allow: send(a, b) if b.team == "t${k}"`, { name: 'send', args: [{ team: 't1' }, { team: 't3' }] }, { id: 'r', team: 't1' }],
    ['the principal', (k: number) => `allow: send if principal.team == "t${k}"`, { name: 'send', args: [{ team: 't1' }] }, { id: 'r', team: 't1' }],
    ['the resource', (k: number) => `allow: send if resource.team == "t${k}"`, { name: 'send', args: [{ team: 't1' }] }, { id: 'r', team: 't3' }],
  ])('read their key where the guards read it: %s', (_what, rule, action, resource) => {
    const set = compile(`policy p {\n${Array.from({ length: 6 }, (_, k) => `  ${rule(k)}\n`).join('')}}`)
    const r = { principal: { id: 'a', team: 't3' }, action, resource } as AuthzRequest
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      expect(e.indexedRules).toBe(6)
      const d = e.evaluate(r)
      expect(d).toEqual(reference(set, r))
      expect(d.effect).toBe('allow')
      expect(d.determining[0]?.rule).toBe(3)
    }
  })

  it('of deny rules fail closed on a missing argument rather than skip by their index', () => {
    const denies = Array.from({ length: 5 }, (_, k) => `  deny: send(to, body) if to == "x${k}"\n`).join('')
    const set = compile(`policy p {\n  allow: send\n${denies}}`)
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      expect(e.indexedRules).toBe(5)
      for (const args of [['zz'], ['x3'], ['zz', 'hi'], ['x3', 'hi']]) {
        const r = { principal: { id: 'a' }, action: { name: 'send', args } }
        expect(e.evaluate(r)).toEqual(reference(set, r))
      }
      // One argument: `body` is missing, so every deny of the block fails closed.
      expect(e.evaluate({ principal: { id: 'a' }, action: { name: 'send', args: ['zz'] } }).effect).toBe('deny')
      expect(e.evaluate({ principal: { id: 'a' }, action: { name: 'send', args: ['zz', 'hi'] } }).effect).toBe('allow')
    }
  })
})

describe('a rule named under two of the request\'s names', () => {
  it('is evaluated once: its error is reported once', () => {
    const set = compile('policy p {\n  allow: [read(doc), export(doc)] if doc.size > 1\n}')
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      const r = { principal: { id: 'a' }, action: { name: 'read', groups: ['export'] }, resource: { id: 'd' } }
      const d = e.evaluate(r)
      expect(d).toEqual(reference(set, r))
      expect(d.errors).toHaveLength(1)
    }
  })
})

describe('an evaluation re-entered from a host function', () => {
  it('keeps the errors the outer evaluation collected before it', () => {
    let inner: ((r: AuthzRequest) => Decision) | undefined
    const innerDecisions: Decision[] = []
    const hostFunctions = createHostFunctionRegistry()
    registerHostFunction(hostFunctions, {
      name: 'reenter',
      params: [],
      returns: 'boolean',
      fn: () => {
        // A failing rule in the inner evaluation too: it must not reach the outer decision, nor the outer's reach it.
        if (inner !== undefined) innerDecisions.push(inner({ principal: { id: 'inner' }, action: 'read' }))
        return true
      },
    })
    const schema = { open: true, functions: { reenter: { params: [], returns: 'boolean' } } }
    const set = compile('policy p {\n  allow: read if principal.level > 1\n  allow: read if principal.id == "outer" && reenter()\n}', { schema, hostFunctions })
    for (const mode of MODES) {
      const e = createEvaluator(set, 1, undefined, { mode })
      inner = (r) => e.evaluate(r)
      innerDecisions.length = 0
      const d = e.evaluate({ principal: { id: 'outer' }, action: 'read' })
      expect(d.effect).toBe('allow')
      expect(d.errors.map((x) => x.rule.rule)).toEqual([0])
      expect(innerDecisions).toHaveLength(1)
      expect(innerDecisions[0]?.effect).toBe('deny')
      expect(innerDecisions[0]?.errors.map((x) => x.rule.rule)).toEqual([0])
      // And the evaluator is whole afterwards.
      expect(e.evaluate({ principal: { id: 'other', level: 5 }, action: 'read' }).errors).toEqual([])
    }
  })
})

describe('readsClock', () => {
  it.each([
    ['no now()', 'policy p {\n  allow: read if principal.level > 1\n}', false],
    ['a member or a variable called now', 'policy p {\n  allow: read if context.now > 1 && principal.now == 2\n}', false],
    ['now() in a guard', 'policy p {\n  allow: read if now() > 1\n}', true],
    ['now() inside a lambda', 'policy p {\n  allow: read if principal.times.any(t => t < now())\n}', true],
    ['now() inside an array literal', 'policy p {\n  allow: read if 1 in [now(), 2]\n}', true],
    ['now() in a require rule', 'policy p {\n  allow: read\n  require: now() > 0 for read\n}', true],
    ['now() in an obligation or audit value', 'policy p {\n  allow: read\n  audit: { at: now() }\n}', true],
    ['calls of other functions', 'policy p {\n  allow: read if len(principal.tags) > 1 && principal.name.lower() == "a"\n}', false],
    ['null and other literals', 'policy p {\n  allow: read if principal.x == null || principal.y == [1, "a", true] || principal.z == { a: null }\n}', false],
  ])('%s', (_what, source, reads) => {
    expect(createEvaluator(compile(source), 1).readsClock).toBe(reads)
  })
})

describe('generatedChunkBodies', () => {
  it('covers the runs of an equality block: one body for the block and for its literals', () => {
    const set = compile(`policy p {\n${typed(6)}}`)
    const bodies = generatedChunkBodies(set)
    expect(bodies.length).toBeGreaterThan(0)
    expect(bodies).toEqual([...bodies].sort())
    // Rules differing only in literals share a source: the block's runs give few distinct bodies, each with the read of `type`.
    expect(bodies.every((b) => b.includes('"type"'))).toBe(true)
  })
})

describe('the clock', () => {
  it('a clock that fails after it worked is not remembered: now() is an error, as in the interpreter', () => {
    const set = compile('policy p {\n  allow: read if now() > 0\n}')
    for (const mode of MODES) {
      const times: unknown[] = [1000, 'broken', 2000]
      const clock = () => {
        const t = times.shift()
        if (typeof t !== 'number') throw new Error('no clock')
        return t
      }
      const e = createEvaluator(set, 1, undefined, { mode, clock })
      const req: AuthzRequest = { principal: { id: 'a' }, action: 'read' }
      const first = e.evaluate(req)
      expect(first.effect, mode).toBe('allow')
      const failed = e.evaluate(req)
      expect(failed.effect, mode).toBe('deny')
      expect(failed.errors.length, mode).toBeGreaterThan(0)
      expect(e.evaluate(req).effect, mode).toBe('allow')
    }
  })
})
