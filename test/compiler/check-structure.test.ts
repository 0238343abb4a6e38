/**
 * What the checker and the compile pipeline build, besides diagnostics: the classified require
 * list, the binders a require/audit rule may read, the files checked policies and rules carry,
 * limits at their exact bounds, the order diagnostics come in, and the content hash a compiled
 * set is cached under. Found by mutation testing (bench/results/mutation.md): each of these could
 * change without any test noticing.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, interpret, type CompileOptions } from '../../compiler/index.js'
import { CompileCache } from '../../compiler/cache.js'
import { parseSchema } from '../../compiler/schema.js'
import { createHostFunctionRegistry, registerHostFunction } from '../../index.js'

function compile(source: string | string[], options: CompileOptions = {}) {
  const sources = (typeof source === 'string' ? [source] : source).map((s, i) => ({ name: `f${i}.policy`, source: s }))
  return compilePolicySet(sources, options)
}

function codes(source: string | string[], options: CompileOptions = {}): string[] {
  return compile(source, options).files.flatMap((f) => f.diagnostics.map((d) => d.code))
}

/** The classified require list of the policy's last rule. */
function requires(list: string): unknown[] {
  const r = compile(`policy p { allow: any  require: ${list} }`)
  if (!r.value) throw new Error(JSON.stringify(r.files))
  const rule = r.value.checked.policies[0]?.rules[1]
  return (rule?.requires ?? []).map((x) => (x.kind === 'precondition' ? { kind: x.kind, source: x.source } : x.kind === 'obligation' && x.value ? { ...x, value: x.value.kind } : x))
}

describe('require lists', () => {
  it('tells approvals from obligations and preconditions', () => {
    expect(requires('[boss_approval, audit_log, "mfa", approval("cfo"), user.ok == true]')).toEqual([
      { kind: 'approval', approver: 'boss' },
      { kind: 'obligation', name: 'audit_log' },
      { kind: 'obligation', name: 'mfa' },
      { kind: 'approval', approver: 'cfo' },
      { kind: 'precondition', source: 'user.ok == true' },
    ])
  })

  it('a name that is only `_approval` is an obligation, not an approval by nobody', () => {
    expect(requires('_approval')).toEqual([{ kind: 'obligation', name: '_approval' }])
    expect(requires('a_approval')).toEqual([{ kind: 'approval', approver: 'a' }])
  })

  it('record and `name = value` obligations keep their values', () => {
    expect(requires('{ retain: 30, notify: "sec" }')).toEqual([
      { kind: 'obligation', name: 'retain', value: 'Number' },
      { kind: 'obligation', name: 'notify', value: 'String' },
    ])
    expect(requires('[retain = 30]')).toEqual([{ kind: 'obligation', name: 'retain', value: 'Number' }])
  })

  it('approval(…) needs exactly one string', () => {
    for (const bad of ['approval()', 'approval(1)', 'approval(boss)']) expect(codes(`policy p { allow: any  require: ${bad} }`), bad).toEqual(['CHECK005'])
  })

  it('values of obligations and audits are checked like guards', () => {
    expect(codes('policy p { allow: any  require: { retain: nosuch(1) } }')).toEqual(['CHECK010'])
    expect(codes('policy p { allow: any  require: [retain = nosuch(1)] }')).toEqual(['CHECK010'])
    expect(codes('policy p { allow: any  audit: { log: nosuch(1) } }')).toEqual(['CHECK010'])
    expect(codes('policy p { allow: any  audit: [log = nosuch(1)] }')).toEqual(['CHECK010'])
  })

  it('string modifiers are kept with name modifiers', () => {
    const r = compile('policy p { allow: any  audit: access_log with digital_signature, "worm" }')
    expect(r.value?.checked.policies[0]?.rules[1]?.modifiers).toEqual(['digital_signature', 'worm'])
  })
})

describe('binders', () => {
  const SCHEMA = { context: { user: { level: 'number' } } }

  it('a require or audit rule may read the binders of its own policy’s allow and deny targets', () => {
    for (const kind of ['require', 'audit']) {
      for (const target of ['allow: read(doc)', 'deny: read(doc)', 'allow: [write(x), read(doc)]']) {
        const src = `policy p { ${target}  ${kind}: [log] if doc == "a" }`
        expect(codes(src, { schema: SCHEMA }), src).toEqual([])
      }
    }
  })

  it('not those of another policy, nor names its allow/deny rules do not bind', () => {
    expect(codes('policy a { allow: read(doc) }\npolicy b { require: [log] if doc == "a" }', { schema: SCHEMA })).toEqual(['CHECK020'])
    expect(codes('policy p { allow: read(_, "x")  require: [log] if doc == "a" }', { schema: SCHEMA })).toEqual(['CHECK020'])
    expect(codes('policy p { require: [log] for read(doc)  audit: [log] if doc == "a" }', { schema: SCHEMA })).toEqual(['CHECK020'])
  })

  it('an allow rule does not read the binders of another allow rule', () => {
    expect(codes('policy p { allow: read(doc)  allow: write if doc == "a" }', { schema: SCHEMA })).toEqual(['CHECK020'])
  })

  it('a `for` scope binds for its own rule', () => {
    expect(codes('policy p { require: [log] for read(doc) if doc == "a" }', { schema: SCHEMA })).toEqual([])
  })
})

describe('what checked policies carry', () => {
  it('the file of each policy and rule', () => {
    const r = compilePolicySet([{ name: 'a.policy', source: 'policy a { allow: read }' }, { name: 'b.policy', source: 'policy b { deny: write }' }])
    const ps = r.value?.checked.policies ?? []
    expect(ps.map((p) => p.file)).toEqual(['a.policy', 'b.policy'])
    expect(ps.map((p) => p.rules[0]?.ref.source)).toEqual(['a.policy', 'b.policy'])
    expect(r.value?.sources).toEqual(['a.policy', 'b.policy'])
  })

  it('an agent’s policies carry its scope, top-level ones none', () => {
    const r = compile('agent bot { policy a { allow: read } }\npolicy b { allow: read }')
    const ps = r.value?.checked.policies ?? []
    expect(ps.map((p) => [p.name, p.scope])).toEqual([['a', { kind: 'agent', name: 'bot' }], ['b', undefined]])
    expect(ps.map((p) => 'scope' in p)).toEqual([true, false])
  })

  it('an empty classification block adds no policy', () => {
    const r = compile('channel ops {\n  policy talk { allow: ask }\n  data_classification { }\n}')
    expect(r.value?.checked.policies.map((p) => p.name)).toEqual(['talk'])
  })
})

describe('limits at their bounds', () => {
  it('exactly maxPolicies policies and maxRules rules are accepted', () => {
    expect(codes(['policy a { allow: read }', 'policy b { allow: read }'], { limits: { maxPolicies: 2 } })).toEqual([])
    expect(codes(['policy a { allow: read }', 'policy b { allow: read }'], { limits: { maxPolicies: 1 } })).toEqual(['CHECK040'])
    expect(codes('policy a { allow: read  allow: write }', { limits: { maxRules: 2 } })).toEqual([])
    expect(codes('policy a { allow: read  allow: write }', { limits: { maxRules: 1 } })).toEqual(['CHECK041'])
  })

  it('an expression exactly maxDepth deep is accepted, one level more is not', () => {
    // `!` applied n times to a name: the rule, its guard and n + 1 expression levels.
    const depth = (n: number) => codes(`policy p { allow: read if ${'!'.repeat(n)}x }`, { limits: { maxDepth: 5 } })
    expect(depth(5)).toEqual([])
    expect(depth(6)).toEqual(['CHECK018'])
  })
})

describe('the pipeline', () => {
  it('sorts each file’s diagnostics by where they are, whatever order the checks found them in', () => {
    // CHECK041 is found after the whole set is checked but points at the policy, before the rule's error.
    const r = compile('policy a { allow: read  allow: write if nosuch() }', { limits: { maxRules: 1 } })
    const ds = r.files[0]?.diagnostics ?? []
    expect(ds.map((d) => d.code)).toEqual(['CHECK041', 'CHECK010'])
    const starts = ds.map((d) => d.span.start)
    expect(starts).toEqual([...starts].sort((x, y) => x - y))
  })

  it('passes `strict` to the parser', () => {
    const src = 'policy p { allow: any  require: [retain = 30] }'
    expect(codes(src)).toEqual([])
    expect(codes(src, { strict: true })).toEqual(['PARSE103'])
  })

  it('takes a parsed schema as it takes its JSON', () => {
    const json = { context: { user: { level: 'number' } } }
    const src = 'policy p { allow: read if usr.level > 1 }'
    expect(codes(src, { schema: parseSchema(json) })).toEqual(codes(src, { schema: json }))
    expect(codes(src, { schema: parseSchema(json) })).toEqual(['CHECK020'])
    // Something that only looks like a parsed schema is parsed as JSON, and refused.
    expect(codes(src, { schema: { context: new Map() } })).toEqual(['CHECK050'])
  })

  it('refuses a host function whose registration differs from its declaration only in being a method', () => {
    const schema = { context: { user: { id: 'string' } }, functions: { quota_ok: { params: ['string'], returns: 'boolean' } } }
    for (const method of [false, true]) {
      const hostFunctions = createHostFunctionRegistry()
      registerHostFunction(hostFunctions, { name: 'quota_ok', params: ['string'], returns: 'boolean', method, fn: () => true })
      expect(codes('policy p { allow: read if quota_ok(user.id) }', { schema, hostFunctions }), String(method)).toEqual(method ? ['CHECK050'] : [])
    }
  })
})

describe('the content hash of a set', () => {
  const SRC = 'policy p { allow: read if user.level >= "medium" }'
  const hash = (options: CompileOptions = {}, sources = [{ name: 'a.policy', source: SRC }]) => {
    const r = compilePolicySet(sources, options)
    if (!r.value) throw new Error(JSON.stringify(r.files))
    return r.value.hash
  }

  it('is a function of the sources and everything the compiled code depends on', () => {
    const base = hash()
    expect(hash()).toBe(base)
    expect(base).toMatch(/^[0-9a-f]{64}$/)
    const hostFunctions = createHostFunctionRegistry()
    registerHostFunction(hostFunctions, { name: 'quota_ok', params: ['string'], returns: 'boolean', method: false, fn: () => true })
    const variants = [
      hash({ ladders: { priority: ['low', 'medium', 'high'] } }),
      hash({ ladders: { priority: ['medium', 'low'] } }),
      hash({ schema: { context: {}, open: true, actions: { read: { groups: ['data_access'] } } } }),
      hash({ schema: { context: {}, open: true, actions: { read: { groups: ['other'] } } } }),
      hash({ hostFunctions }),
      hash({ limits: { maxDepth: 64 } }),
      hash({}, [{ name: 'b.policy', source: SRC }]),
      hash({}, [{ name: 'a.policy', source: `${SRC}\n` }]),
      hash({}, [{ name: 'a.policy', source: SRC }, { name: 'b.policy', source: 'policy q { deny: write }' }]),
    ]
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1)
    // An open schema with no actions types nothing the code depends on: same hash as no schema.
    expect(hash({ schema: { context: {}, open: true } })).toBe(base)
  })
})

describe('action patterns', () => {
  it('a call pattern needs a name, a string or `_` as its verb, and positional arguments', () => {
    for (const bad of ['read(x = 1)', '5(x)', 'a.b(x)', '(x => x)(y)']) expect(codes(`policy p { allow: ${bad} }`), bad).toEqual(['CHECK001'])
    for (const ok of ['read(x)', '"tool_call::*"(x)', '_(x)']) expect(codes(`policy p { allow: ${ok} }`), ok).toEqual([])
  })

  it('`any` as an argument matches anything and binds nothing', () => {
    const r = compile('policy p { allow: read(any) if any == 5 }')
    const set = r.value
    if (!set) throw new Error(JSON.stringify(r.files))
    // `any` in the guard is not the argument but a request name, absent here: the guard is false.
    expect(set.checked.policies[0]?.rules[0]?.patterns).toEqual([{ kind: 'call', verb: { kind: 'name', name: 'read' }, args: [{ kind: 'any' }] }])
    const d = interpret(set.checked, { principal: { id: 'a' }, action: { name: 'read', args: [5] } }, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
    expect(d).toMatchObject({ effect: 'deny', reason: 'no allow rule matched' })
  })
})

describe('more of what the checker builds', () => {
  it('audit lists: names, strings, `name = value` and any other expression as the value of `audit`', () => {
    const r = compile('policy p { allow: any  audit: ["access_log", reads, kept = 30, user.level > 1] }')
    const audits = r.value?.checked.policies[0]?.rules[1]?.audits.map((a) => (a.value === undefined ? a : { ...a, value: a.value.kind }))
    expect(audits).toEqual([{ name: 'access_log' }, { name: 'reads' }, { name: 'kept', value: 'Number' }, { name: 'audit', value: 'Binary' }])
  })

  it('a require or audit rule has no patterns of its own', () => {
    const r = compile('policy p { allow: read(d)  require: [log]  audit: [seen] for write(x) }')
    expect(r.value?.checked.policies[0]?.rules.map((rule) => rule.patterns.length)).toEqual([1, 0, 0])
  })

  it('a call in a require list is a precondition, not a pattern that binds', () => {
    const schema = { context: { user: { id: 'string' } } }
    expect(codes('policy p { allow: read  require: has(zz, "a") }', { schema })).toEqual(['CHECK020'])
    expect(codes('policy p { allow: read(zz)  require: has(zz, "a") }', { schema })).toEqual([])
  })

  it('a policy whose target is not a pattern still checks its require rules', () => {
    expect(codes('policy p { allow: 1 + 2  require: [log] if nosuch() }')).toEqual(['CHECK001', 'CHECK010'])
  })
})

describe('the compile cache', () => {
  it('answers a set it has compiled from the cache, by content, within its bound', () => {
    const setOf = (source: string) => {
      const r = compilePolicySet([{ name: 'p.policy', source }])
      if (!r.value) throw new Error(JSON.stringify(r.files))
      return r.value
    }
    const a = setOf('policy p { allow: read }')
    const b = setOf('policy p { allow: write }')
    const cache = new CompileCache(1)
    const first = cache.rulesFor(a)
    expect(cache.rulesFor(setOf('policy p { allow: read }'))).toBe(first)
    expect([cache.hits, cache.misses]).toEqual([1, 1])
    cache.rulesFor(b)
    // The bound is 1: `b` evicted `a`.
    expect(cache.rulesFor(a)).not.toBe(first)
    expect([cache.hits, cache.misses]).toEqual([1, 3])
    cache.clear()
    cache.rulesFor(a)
    expect([cache.hits, cache.misses]).toEqual([1, 4])
  })
})
