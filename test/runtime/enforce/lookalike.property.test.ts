/**
 * Issue 9 item 9 through an enforcement point with the real engine: with
 * `allow: "tool_call::*"` and `deny: "tool_call::shell"`, the tool gate allowed `Shell`, `SHELL`,
 * `shell `, ` shell`, `shell\u200b`, fullwidth `ｓｈｅｌｌ` and Cyrillic `shеll` on dbb8d23. Now
 * case variants meet the case-folding deny, and every other look-alike is a malformed action
 * name; the points never repair a name. The guarded tool never runs for any of them.
 */
import fc from 'fast-check'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../index.js'
import { DeciderPolicyGate, Enforcer, ForbiddenError, guardToolCall } from '../../../runtime/enforce/index.js'
import { TofuKeyStore, ToolVerifier, withSignature } from '../../../runtime/tools/index.js'
import vectors from '../tools/fixtures/schemapin-vectors.json' with { type: 'json' }
import { MemorySink, RUNS, spy } from './helpers.js'

const engine = createEngine()
const loaded = engine.load([{ name: 'tools.policy', source: 'policy tools {\n  allow: "tool_call::*"\n  deny: "tool_call::shell"\n}' }])
const store = new TofuKeyStore({ path: join(mkdtempSync(join(tmpdir(), 'lookalike-')), 'keys.json') })
const verifier = new ToolVerifier({ mode: 'permissive', store })
const agent = { id: 'agent-1', type: 'agent' }

async function callTool(name: string): Promise<{ ran: boolean; error: unknown }> {
  const enforcer = new Enforcer({ decider: engine, audit: new MemorySink() })
  const transport = spy<unknown[], string>('ran')
  const schema = withSignature({ name, parameters: { type: 'object' } }, vectors.privateKeyPem)
  const error = await guardToolCall(enforcer, verifier, { principal: agent, tool: { name, provider: 'acme', schema, publicKey: vectors.publicKeyPem }, arguments: {} }, transport).then(() => undefined, (e: unknown) => e)
  return { ran: transport.calls.length > 0, error }
}

const HOMOGLYPHS: Record<string, readonly string[]> = { s: ['ѕ', 'ｓ'], h: ['һ', 'ｈ'], e: ['е', 'ℯ', 'ｅ', 'Ε'], l: ['ӏ', 'ⅼ', 'ｌ', 'І'] }
const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\ufeff', '\u2060', '\u00ad', '\u0000', '\t', ' ', '\u00a0', '\u3000']

/** Look-alikes of `shell`: case changes, homoglyph swaps, invisible or blank characters anywhere. */
const lookalike = fc
  .tuple(
    fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    fc.array(fc.nat(4), { maxLength: 2 }),
    fc.array(fc.tuple(fc.nat(5), fc.constantFrom(...INVISIBLE)), { maxLength: 2 }),
  )
  .map(([upper, glyphAt, inserts]) => {
    const chars = [...'shell'].map((c, i) => (upper[i] ? c.toUpperCase() : c))
    for (const i of glyphAt) {
      const options = HOMOGLYPHS['shell'[i] as string] ?? []
      if (options.length > 0) chars[i] = options[i % options.length] as string
    }
    for (const [at, ch] of inserts) chars.splice(at, 0, ch)
    return chars.join('')
  })

describe('tool-name look-alikes never reach a denied tool', () => {
  it('loads', () => expect(loaded.ok).toBe(true))

  it('the issue\'s examples', async () => {
    for (const name of ['shell', 'Shell', 'SHELL', 'shell ', ' shell', 'shell\u200b', 'ｓｈｅｌｌ', 'sh\u0435ll']) {
      const r = await callTool(name)
      expect(r.ran, JSON.stringify(name)).toBe(false)
      expect(r.error, JSON.stringify(name)).toBeInstanceOf(ForbiddenError)
    }
    expect((await callTool('search')).ran).toBe(true)
  })

  it('property: no look-alike of shell runs through the tool gate or the reasoning-loop gate', async () => {
    const gate = new DeciderPolicyGate(new Enforcer({ decider: engine, audit: new MemorySink() }))
    await fc.assert(
      fc.asyncProperty(lookalike, async (name) => {
        expect((await callTool(name)).ran, JSON.stringify(name)).toBe(false)
        expect((await gate.evaluateAction({ kind: 'tool_call', tool: name, arguments: {} }, agent)).allowed, JSON.stringify(name)).toBe(false)
      }),
      { numRuns: RUNS * 3 },
    )
  })
})
