import { describe, expect, it } from 'vitest'
import { compilePolicySet, createEngine, createEvaluator, createHostFunctionRegistry, parseSchema, registerHostFunction } from '../../index.js'
import { SchemaError } from '../../compiler/schema.js'

const POLICY = `policy outbound {
  allow: send_message if check_rate_limit(recipient.id) && !context.clock.is_outside_business_hours()
}
`
const SCHEMA = {
  context: { clock: 'number' },
  open: true,
  functions: {
    check_rate_limit: { params: ['string'], returns: 'boolean', doc: 'True while the recipient is under its rate limit.' },
    is_outside_business_hours: { params: ['number'], returns: 'boolean', method: true },
  },
}

const codes = (r: ReturnType<typeof compilePolicySet>): string[] => r.files.flatMap((f) => f.diagnostics.map((d) => d.code))

describe('host functions declared in the schema', () => {
  it('are unknown without the declaration and accepted with it (function and method form)', () => {
    expect(codes(compilePolicySet([{ name: 'a.policy', source: POLICY }]))).toContain('CHECK010')
    const r = compilePolicySet([{ name: 'a.policy', source: POLICY }], { schema: SCHEMA })
    expect(codes(r)).toEqual([])
    expect(r.value).toBeDefined()
  })

  it('type-check arguments and arity against the declaration', () => {
    const bad = POLICY.replace('check_rate_limit(recipient.id)', 'check_rate_limit(1, 2)')
    expect(codes(compilePolicySet([{ name: 'a.policy', source: bad }], { schema: SCHEMA }))).toContain('CHECK012')
  })

  it('make an engine refuse to load while unimplemented (CHECK051 names them), and decide once registered', () => {
    const unimplemented = createEngine({ schema: SCHEMA })
    const r = unimplemented.load([{ name: 'a.policy', source: POLICY }])
    expect(r.ok).toBe(false)
    const d = r.files.flatMap((f) => f.diagnostics)
    expect(d.map((x) => x.code)).toEqual(['CHECK051'])
    expect(d[0]?.message).toContain("'check_rate_limit', 'is_outside_business_hours'")

    const hostFunctions = createHostFunctionRegistry()
    registerHostFunction(hostFunctions, { name: 'check_rate_limit', params: ['string'], returns: 'boolean', fn: (id) => id !== 'flooded' })
    registerHostFunction(hostFunctions, { name: 'is_outside_business_hours', params: ['number'], returns: 'boolean', method: true, fn: (h) => (h as number) < 9 || (h as number) >= 17 })
    const engine = createEngine({ schema: SCHEMA, hostFunctions })
    expect(engine.load([{ name: 'a.policy', source: POLICY }]).ok).toBe(true)
    // `recipient` resolves through context (SEMANTICS.md name resolution).
    const decide = (id: string, clock: number): string => engine.evaluate({ principal: { id: 'a' }, action: 'send_message', resource: {}, context: { clock, recipient: { id } } }).effect
    expect(decide('bob', 10)).toBe('allow')
    expect(decide('flooded', 10)).toBe('deny')
    expect(decide('bob', 20)).toBe('deny')
    // Without `recipient` the call has no argument: an error, hence a deny (fail closed).
    expect(engine.evaluate({ principal: { id: 'a' }, action: 'send_message', resource: {}, context: { clock: 10 } }).effect).toBe('deny')
  })

  it('refuse a registered implementation whose signature differs from the declaration', () => {
    const hostFunctions = createHostFunctionRegistry()
    registerHostFunction(hostFunctions, { name: 'check_rate_limit', params: ['number'], returns: 'boolean', fn: () => true })
    const r = createEngine({ schema: SCHEMA, hostFunctions }).load([{ name: 'a.policy', source: POLICY }])
    expect(r.ok).toBe(false)
    const d = r.files.flatMap((f) => f.diagnostics)
    expect(d[0]?.code).toBe('CHECK050')
    expect(d[0]?.message).toContain('declared in the schema as (string) -> boolean but registered as (number) -> boolean')
  })

  it('fail closed when evaluated without an implementation (a set compiled for checking only)', () => {
    const r = compilePolicySet([{ name: 'a.policy', source: 'policy p { allow: read if check_rate_limit(principal.id) }' }], { schema: SCHEMA })
    const ev = createEvaluator(r.value as never, 1)
    const d = ev.evaluate({ principal: { id: 'a' }, action: 'read', resource: {} } as never)
    expect(d.effect).toBe('deny')
    expect(d.errors.map((e) => e.code)).toEqual(['EVAL120'])
    expect(d.errors[0]?.message).toContain('declared in the schema but has no implementation')
  })

  it('reject bad declarations, naming the path', () => {
    const bad = (functions: unknown): string => {
      try {
        parseSchema({ functions })
        return 'accepted'
      } catch (e) {
        return e instanceof SchemaError ? e.message : String(e)
      }
    }
    expect(bad({ len: { params: [], returns: 'number' } })).toMatch(/^\$\.functions\.len: 'len' is a builtin/)
    expect(bad({ f: { params: ['function'], returns: 'number' } })).toMatch(/^\$\.functions\.f\.params\[0\]: must be a value type/)
    expect(bad({ f: { params: ['string'] } })).toMatch(/^\$\.functions\.f\.returns/)
    expect(bad({ f: { params: [], returns: 'string', method: true } })).toMatch(/needs at least one/)
    expect(bad({ 'a-b': { params: [], returns: 'string' } })).toMatch(/identifier/)
    expect(bad({ f: { params: [], returns: 'string', docs: 'x' } })).toMatch(/\$\.functions\.f\.docs: unknown key/)
    expect(bad({ f: { params: [], returns: 'string', doc: 'one line' } })).toBe('accepted')
    expect(parseSchema({ functions: { f: { params: ['string'], returns: 'boolean', doc: 'd' } } }).functions.get('f')).toEqual({ name: 'f', params: ['string'], returns: 'boolean', method: false, doc: 'd' })
  })
})
