/**
 * What a compiled module embeds, read as data: the numbers JSON would lose and their patches
 * (collected, written as null, restored, and refused when the data was altered), the version
 * stamp, the source map, the extra ladders, and the sets that cannot be embedded. The module
 * itself exports exactly what its declarations say.
 */
import { describe, expect, it } from 'vitest'
import { CodegenError, compiledSetData, generateDeclarations } from '../../compiler/codegen/index.js'
import { applyNumberPatches, collectNumberPatches, toJsonText } from '../../compiler/codegen/format.js'
import { compilePolicySet, type PolicySet, type PolicySource } from '../../compiler/pipeline.js'
import { createHostFunctionRegistry, registerHostFunction } from '../../stdlib/index.js'
import { engineFor, importModule } from './helpers.js'

function compiled(sources: PolicySource[], options: Parameters<typeof compilePolicySet>[1] = {}): PolicySet {
  const r = compilePolicySet(sources, options)
  if (r.value === undefined) throw new Error(`does not compile: ${JSON.stringify(r.files)}`)
  return r.value
}

const SOURCE = 'policy p {\n  allow: read\n  deny: write if x > 1\n}\n'

describe('number patches', () => {
  const data = { a: NaN, b: [1, Infinity, { c: -Infinity, d: -0, e: 0 }], f: undefined, g: 'NaN', h: null, i: 2.5 }

  it('lists every number JSON would lose, by path, and nothing else', () => {
    expect(collectNumberPatches(data)).toEqual([[['a'], 'NaN'], [['b', 1], 'Infinity'], [['b', 2, 'c'], '-Infinity'], [['b', 2, 'd'], '-0']])
    expect(collectNumberPatches(-0)).toEqual([[[], '-0']])
    expect(collectNumberPatches([0, 1, -1, Number.MAX_VALUE, 'x', true, null])).toEqual([])
  })

  it('writes them as null and restores them exactly', () => {
    const text = JSON.stringify(data, (_k, v: unknown) => v)
    expect(JSON.parse(text)).toEqual({ a: null, b: [1, null, { c: null, d: 0, e: 0 }], g: 'NaN', h: null, i: 2.5 })
    const patches = collectNumberPatches(data)
    const placeholders = JSON.parse(toJsonText(data as never)) as typeof data
    expect(placeholders).toEqual({ a: null, b: [1, null, { c: null, d: null, e: 0 }], g: 'NaN', h: null, i: 2.5 })
    applyNumberPatches(placeholders, patches)
    expect(Number.isNaN(placeholders.a)).toBe(true)
    const inner = placeholders.b[2] as { c: number; d: number; e: number }
    expect([placeholders.b[1], inner.c]).toEqual([Infinity, -Infinity])
    expect(Object.is(inner.d, -0)).toBe(true)
    expect(Object.is(inner.e, 0)).toBe(true)
  })

  it('refuses patches that do not fit the data', () => {
    const fresh = (): unknown => ({ a: null, b: [null, 1], s: 'x', n: null })
    const refused = (patches: unknown): string => {
      try {
        applyNumberPatches(fresh(), patches as never)
      } catch (e) {
        return (e as Error).message
      }
      throw new Error('not refused')
    }
    expect(refused([[[], 'NaN']])).toMatch(/\S/)
    // An empty path names no place, even in data that has a key "undefined".
    expect(() => applyNumberPatches({ undefined: null }, [[[], 'NaN']])).toThrow()
    expect(refused([[['a'], 'Zero']])).toMatch(/\S/)
    expect(refused([[['a'], 'toString']])).toMatch(/\S/)
    // A path through something that is not there, or through a value that has no keys.
    expect(refused([[['missing', 'x'], 'NaN']])).toContain('missing.x')
    expect(refused([[['n', 'x'], 'NaN']])).toContain('n.x')
    expect(refused([[['s', 'length'], 'NaN']])).toContain('s.length')
    expect(refused([[['a', 'x'], 'NaN']])).toContain('a.x')
    expect(refused([[['toString', 'x'], 'NaN']])).toContain('toString.x')
    // The target must be the null JSON wrote: not a number, not absent, not inside a string.
    expect(refused([[['b', 1], 'NaN']])).toContain('b.1')
    expect(refused([[['zz'], 'NaN']])).toContain('zz')
    expect(refused([[['s', 0], 'NaN']])).toContain('s.0')
    // Every refusal happens before that patch changes anything; the good ones apply.
    const d = { a: null, b: [null] } as { a: unknown; b: unknown[] }
    applyNumberPatches(d, [[['a'], 'Infinity'], [['b', 0], '-0']])
    expect(d.a).toBe(Infinity)
    expect(Object.is(d.b[0], -0)).toBe(true)
  })
})

describe('compiledSetData', () => {
  it('stamps the version: 1 by default, any positive safe integer, nothing else', () => {
    const set = compiled([{ name: 'a.policy', source: SOURCE }])
    expect(compiledSetData(set, []).version).toBe(1)
    expect(compiledSetData(set, [], 7).version).toBe(7)
    expect(compiledSetData(set, [], Number.MAX_SAFE_INTEGER).version).toBe(Number.MAX_SAFE_INTEGER)
    for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) {
      let error: unknown
      try {
        compiledSetData(set, [], bad)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(CodegenError)
      expect((error as Error).name).toBe('CodegenError')
      expect((error as Error).message).toContain(String(bad))
    }
  })

  it('refuses host functions, naming each in order', () => {
    const hostFunctions = createHostFunctionRegistry()
    registerHostFunction(hostFunctions, { name: 'zeta', params: ['string'], returns: 'boolean', fn: () => true })
    registerHostFunction(hostFunctions, { name: 'alpha', params: ['string'], returns: 'boolean', fn: () => true })
    const set = compiled([{ name: 'a.policy', source: 'policy p {\n  allow: read if alpha("x") && zeta("y")\n}\n' }], { hostFunctions })
    expect(() => compiledSetData(set, [])).toThrow(CodegenError)
    expect(() => compiledSetData(set, [])).toThrow(/alpha, zeta/)
  })

  it('maps each rule to its file, line and column; a file without its text maps to line 0', () => {
    const sources = [{ name: 'a.policy', source: SOURCE }, { name: 'b.policy', source: '\n\npolicy q {\n    allow: list\n}\n' }]
    const set = compiled(sources)
    expect(compiledSetData(set, sources).sources).toEqual([
      { policy: 'p', rule: 0, kind: 'allow', file: 'a.policy', line: 2, column: 3, endLine: 2, endColumn: 14 },
      { policy: 'p', rule: 1, kind: 'deny', file: 'a.policy', line: 3, column: 3, endLine: 3, endColumn: 23 },
      { policy: 'q', rule: 0, kind: 'allow', file: 'b.policy', line: 4, column: 5, endLine: 4, endColumn: 16 },
    ])
    expect(compiledSetData(set, [sources[1]!]).sources.map((s) => [s.file, s.line, s.column, s.endLine, s.endColumn])).toEqual([
      ['a.policy', 0, 0, 0, 0], ['a.policy', 0, 0, 0, 0], ['b.policy', 4, 5, 4, 16],
    ])
  })

  it('embeds the extra ladders (not the built-in one), the groups and the number patches of the set', () => {
    // A literal too long for a double is Infinity: JSON would write it as null.
    const set = compiled([{ name: 'a.policy', source: `policy p {\n  allow: read if x > ${'9'.repeat(400)}\n}\n` }], {
      ladders: { priority: ['low', 'high'] },
      schema: { actions: { read: { groups: ['data'] } }, open: true },
    })
    const data = compiledSetData(set, [])
    expect({ ...data.ladders }).toEqual({ priority: ['low', 'high'] })
    expect(data.groups).toEqual([['read', ['data']]])
    expect(data.numbers.map(([, v]) => v)).toEqual(['Infinity'])
    expect(data.numbers).toEqual(collectNumberPatches({ ...data, numbers: [] }))
  })
})

describe('the generated module', () => {
  it('exports exactly what its declarations declare, with the default export they describe', async () => {
    const sources = [{ name: 'a.policy', source: SOURCE }]
    const { module } = await importModule(engineFor(sources), sources)
    const declarations = generateDeclarations()
    const declared = [...declarations.matchAll(/^export declare (const|function) (\w+)/gm)].map((m) => [m[2], m[1] === 'function' ? 'function' : 'value'])
    const actual = Object.keys(module).filter((k) => k !== 'default').sort().map((k) => [k, typeof (module as unknown as Record<string, unknown>)[k] === 'function' ? 'function' : 'value'])
    expect(declared.sort()).toEqual(actual)
    expect(declarations).toMatch(/^export default _default;$/m)
    const defaultType = /declare const _default: Readonly<\{(.*)\}>;/.exec(declarations)?.[1] ?? ''
    const defaultKeys = [...defaultType.matchAll(/(\w+): /g)].map((m) => m[1]).sort()
    const def = (module as unknown as { default: Record<string, unknown> }).default
    expect(Object.keys(def).sort()).toEqual(defaultKeys)
    expect(Object.isFrozen(def)).toBe(true)
    expect(def['evaluate']).toBe(module.evaluate)
    // Types come from the package named, `symbi-policy` unless told.
    expect(declarations).toMatch(/from "symbi-policy";/)
    expect(declarations).toMatch(/from "symbi-policy\/runtime";/)
    expect(generateDeclarations('@me/pkg')).toMatch(/from "@me\/pkg\/runtime";/)
  })

  it('says it is generated, from which set, and documents every export (module and declarations)', async () => {
    const sources = [{ name: 'a.policy', source: SOURCE }]
    const engine = engineFor(sources)
    const { text } = await importModule(engine, sources)
    for (const file of [text, generateDeclarations()]) {
      const lines = file.split('\n')
      expect(lines[0]).toMatch(/^\/\/ Generated by symbi-policy .*DO NOT EDIT/)
      const exports = lines.flatMap((line, i) => (/^export (const|function|declare (const|function)) /.test(line) ? [i] : []))
      expect(exports.length).toBeGreaterThanOrEqual(8)
      for (const i of exports) expect(lines[i - 1], lines[i]).toMatch(/^\/\*\* \S.* \*\/$/)
    }
    expect(text.split('\n')[1]).toContain(engine.policySet!.hash)
  })

  it('stamps the version it is given, 1 by default', async () => {
    const sources = [{ name: 'a.policy', source: SOURCE }]
    const engine = engineFor(sources)
    expect((await importModule(engine, sources)).module.version).toBe(1)
    const { module, text } = await importModule(engine, sources, { version: 5 })
    expect(module.version).toBe(5)
    expect(module.evaluate({ principal: { id: 'a' }, action: 'read' } as never).version).toBe(5)
    expect(text).toContain('version 5.')
  })
})
