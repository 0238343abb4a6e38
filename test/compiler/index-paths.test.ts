/**
 * The equality index reads one path per block and selects that value's rules
 * (compiler/evaluator.ts `blockValue`/`pathValue`, the plan functions' block dispatch). A read of
 * the wrong root, of an inherited property, of a value the guards would reject, or of an argument
 * the request lacks would make a block skip rules that hold — or a deny that fails closed.
 * The differential property tests (test/compiler/differential.property.test.ts) reach these
 * reads at random; this file pins them: every set below is asked every request of a fixed,
 * hostile table, by the closures and by generated code (each request twice, so that plan
 * functions decide the second), and each decision must equal the reference interpreter's.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, type PolicySet } from '../../compiler/index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { agreeing } from './agreement.js'

const VERSION = 3

/** Four or more rules on one key make a block; each set has an allow block and a deny block. */
const SETS: Record<string, string> = {
  'a context attribute': `policy p {
    allow: read if doc.type == "a"
    allow: read if doc.type == "b" && doc.ok == true
    allow: read if doc.type == 1
    allow: read if doc.type == true
    allow: read if doc.type == 0
    deny: read if doc.level == "x"
    deny: read if doc.level == "y"
    deny: read if doc.level == 3
    deny: read if doc.level == false
  }`,
  'argument 0 (the resource when there are no arguments)': `policy p {
    allow: read(d) if d.type == "a"
    allow: read(d) if d.type == "b" && d.ok == true
    allow: read(d) if d.type == 1
    allow: read(d) if d.type == true
    allow: read(d) if d.type == 0
    deny: read(d) if d.level == "x"
    deny: read(d) if d.level == "y"
    deny: read(d) if d.level == 3
    deny: read(d) if d.level == false
  }`,
  'argument 1': `policy p {
    allow: copy(_, d) if d.type == "a"
    allow: copy(_, d) if d.type == "b"
    allow: copy(_, d) if d.type == 1
    allow: copy(_, d) if d.type == true
    deny: copy(_, d) if d.level == "x"
    deny: copy(_, d) if d.level == "y"
    deny: copy(_, d) if d.level == 3
    deny: copy(_, d) if d.level == false
  }`,
  'two segments': `policy p {
    allow: read if doc.meta.type == "a"
    allow: read if doc.meta.type == "b"
    allow: read if doc.meta.type == 1
    allow: read if doc.meta.type == true
    deny: read(d) if d.meta.level == "x"
    deny: read(d) if d.meta.level == "y"
    deny: read(d) if d.meta.level == 3
    deny: read(d) if d.meta.level == false
  }`,
  'the principal and the resource by name': `policy p {
    allow: read if principal.type == "a"
    allow: read if principal.type == "b"
    allow: read if principal.type == 1
    allow: read if principal.type == true
    deny: read if resource.level == "x"
    deny: read if resource.level == "y"
    deny: read if resource.level == 3
    deny: read if resource.level == false
  }`,
  'the argument itself': `policy p {
    allow: read(d) if d == "a"
    allow: read(d) if d == "b"
    allow: read(d) if d == 1
    allow: read(d) if d == true
    deny: copy(_, d) if d == "x"
    deny: copy(_, d) if d == "y"
    deny: copy(_, d) if d == 3
    deny: copy(_, d) if d == false
  }`,
  // Runs of two rules on one key: no run is long enough to be a block, and rules on different
  // keys (another argument, a name, a longer path) must not be taken for one block.
  'different keys in a row': `policy p {
    allow: copy(a, b) if a.type == "a"
    allow: copy(a, b) if a.type == "x"
    allow: copy(a, b) if b.type == "a"
    allow: copy(a, b) if b.type == 1
    allow: copy(a, b) if doc.type == "a"
    allow: copy(a, b) if doc.type == true
    allow: copy(a, b) if doc.meta.type == "a"
    allow: copy(a, b) if doc.meta.type == 0
    deny: read(d) if d.level == "x"
    deny: read(d) if d.level == 3
    deny: read(d) if doc.level == "x"
    deny: read(d) if doc.level == false
    deny: read(d) if resource.level == "y"
    deny: read(d) if resource.level == 3
    deny: read(d) if d.meta.level == "x"
    deny: read(d) if d.meta.level == true
  }`,
  'a name Object.prototype also has': `policy p {
    allow: read(d) if d.constructor == "a"
    allow: read(d) if d.constructor == "b"
    allow: read(d) if d.constructor == 1
    allow: read(d) if d.constructor == true
    deny: read(d) if d.valueOf == "x"
    deny: read(d) if d.valueOf == "y"
    deny: read(d) if d.valueOf == 3
    deny: read(d) if d.valueOf == false
  }`,
}

class Doc {
  constructor(readonly type: unknown, readonly level: unknown) {}
}

/** Values at the indexed paths: each literal, near misses, and what no literal can equal. */
const VALUES: unknown[] = ['a', 'b', 'x', 'y', 'A', '', 0, -0, 1, 3, '1', '3', 1.5, NaN, Infinity, -Infinity, true, false, null, ['a'], { a: 1 }, () => 'a']

/** A record with every indexed attribute at `v`. */
function doc(v: unknown): Record<string, unknown> {
  return { type: v, level: v, ok: true, meta: { type: v, level: v }, constructor: v, valueOf: v }
}

const OTHER = { type: 'b', level: 'y', ok: true, meta: { type: 'b', level: 'y' }, constructor: 'b', valueOf: 'y' }

function requests(): AuthzRequest[] {
  const out: unknown[] = []
  const principal = { id: 'p', type: 'agent' }
  for (const v of VALUES) {
    const d = doc(v)
    out.push(
      { principal, action: 'read', resource: d, context: { doc: OTHER } },
      { principal, action: 'read', resource: OTHER, context: { doc: d } },
      { principal, action: 'read', context: { doc: d } },
      { principal, action: { name: 'read', args: [d] }, resource: OTHER, context: { doc: OTHER } },
      { principal, action: { name: 'read', args: [OTHER] }, resource: d, context: { doc: d } },
      { principal, action: { name: 'copy', args: [OTHER, d] } },
      { principal, action: { name: 'copy', args: [d, OTHER] } },
      { principal, action: { name: 'copy', args: [OTHER, OTHER] }, context: { doc: d } },
      { principal, action: { name: 'copy', args: [d] } },
      { principal, action: 'copy', resource: d },
      { principal: { id: 'p', type: v }, action: 'read', resource: { type: 'a', level: 'z' } },
      { principal: { id: 'p', type: 'b' }, action: 'read', resource: { type: v, level: v } },
      // A context attribute named "undefined": what a read of a name no key has would find.
      { principal, action: { name: 'copy', args: [OTHER, OTHER] }, context: { undefined: d, doc: OTHER } },
      { principal, action: { name: 'read', args: [OTHER] }, context: { undefined: d, doc: OTHER } },
      // The root itself is not a plain record.
      { principal, action: 'read', resource: v, context: { doc: v } },
      { principal, action: { name: 'read', args: [v] } },
    )
  }
  // Roots a plain-record read must not take for one: a class instance, a null prototype, an
  // array with the attribute, a record whose attribute is inherited or a getter.
  const nullProto = Object.assign(Object.create(null) as object, doc('a'))
  const arrayWith = Object.assign(['a'], doc('a'))
  const inherited = Object.create(doc('a')) as object
  const getter = Object.defineProperty({}, 'type', { get: () => 'a', enumerable: true })
  const throwing = Object.defineProperty({ level: 'z' }, 'type', { get: () => { throw new Error('boom') }, enumerable: true })
  for (const root of [new Doc('a', 'x'), new Doc('b', 'z'), nullProto, arrayWith, inherited, getter, throwing, {}]) {
    out.push(
      { principal, action: 'read', resource: root, context: { doc: root } },
      { principal, action: { name: 'read', args: [root] }, context: { doc: root } },
      { principal, action: { name: 'copy', args: [OTHER, root] } },
    )
  }
  return out as AuthzRequest[]
}

function compile(source: string): PolicySet {
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  return r.value
}

describe('the equality index reads the path its key names', () => {
  const reqs = requests()

  it.each(Object.entries(SETS))('%s: closures and generated code decide as the interpreter', (_name, source) => {
    const { closures, generated, decide } = agreeing(compile(source), VERSION)
    // The sets must be indexed, or this file tests nothing about the index.
    expect(closures.indexedRules).toBeGreaterThanOrEqual(8)
    const effects = new Set<string>()
    for (const req of reqs) effects.add(decide(req).effect)
    // Both outcomes occur: a table that only denies would not notice a block skipping its rules.
    expect([...effects].sort()).toEqual(['allow', 'deny'])
    expect(generated.fastPlans).toBeGreaterThan(0)
  })
})
