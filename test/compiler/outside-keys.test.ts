/**
 * Issue 9 item 5, the compiler/grammar/testing side: strings from outside (ladder names, parse
 * option keys, unit words in source text, constraint paths, schema field names) never key a
 * plain object, so `__proto__`, `constructor` and `toString` are ordinary names.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { compiledSetData } from '../../compiler/codegen/compiled-data.js'
import { toJsonText } from '../../compiler/codegen/format.js'
import { parse } from '../../grammar/parse.js'
import { createEngine } from '../../index.js'
import { loadCompiledSet } from '../../runtime/compiled-module.js'
import { valueArbitrary } from '../../testing/arbitraries.js'
import { applyConstraints, parseConstraints } from '../../testing/constraints.js'

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] as const

afterEach(() => {
  // Any pollution would show up on every object.
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
})

describe('outside strings as keys', () => {
  for (const name of HOSTILE) {
    it(`a ladder named ${name} survives compilation to a module`, () => {
      const sources = [{ name: 'p.policy', source: `policy p {\n allow: read if operation.level >= "mid"\n}` }]
      const ladders = JSON.parse(`{${JSON.stringify(name)}: ["low", "mid", "high"]}`) as Record<string, string[]>
      const withLadder = createEngine({ ladders })
      expect(withLadder.load(sources).ok).toBe(true)
      const set = withLadder.policySet
      if (set === undefined) throw new Error('no set')
      const module = loadCompiledSet(toJsonText(compiledSetData(set, sources)))
      const req = { principal: { id: 'a' }, action: 'read', context: { operation: { level: 'high' } } }
      expect(withLadder.evaluate(req).effect).toBe('allow')
      // Before the fix the module lost a `__proto__` ladder and could not order the rungs.
      expect(module.evaluate(req)).toEqual(withLadder.evaluate(req))
    })

    it(`parse option ${name} is refused as unknown`, () => {
      expect(() => parse('policy p { allow: read }', { [name]: 1 } as never)).toThrow(/unknown parse option/)
    })

    // `10___proto__` lexes differently (the word starts with `_`): only the other names reach LEX010.
    if (name !== '__proto__') it(`a unit word ${name} gets no borrowed suggestion`, () => {
      const r = parse(`policy p { allow: read if x > 10_${name} }`)
      const d = r.diagnostics.find((x) => x.code === 'LEX010')
      expect(d).toBeDefined()
      expect(d?.help ?? '').not.toMatch(/function|\[native code\]/)
    })

    it(`a constraint path through ${name} writes an own key and pollutes nothing`, () => {
      const parsed = parseConstraints({ [`context.${name}.polluted`]: true })
      const out = applyConstraints({ principal: { id: 'a' }, action: 'read', context: {} }, parsed, [true])
      const ctx = out['context'] as Record<string, unknown>
      expect(Object.hasOwn(ctx, name)).toBe(true)
      expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype)
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    })

    it(`a schema field ${name} is generated as an own key`, () => {
      const arb = valueArbitrary({ kind: 'record', fields: new Map([[name, { kind: 'number' }]]) })
      for (const v of fc.sample(arb, 5)) {
        expect(Object.hasOwn(v as object, name)).toBe(true)
        expect([Object.prototype, null]).toContain(Object.getPrototypeOf(v))
      }
    })
  }
})
