import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyEdits } from '../../diagnostics/apply-edits.js'
import { LineIndex } from '../../diagnostics/source-map.js'
import { format } from '../../grammar/format.js'
import { LspClient } from './client.js'

const EXAMPLES = new URL('../../examples/', import.meta.url)

// The schema of the seed's secure_data_access test file, plus a declared host function.
const SCHEMA = {
  context: {
    user: { clearance: 'string', need_to_know: ['string'], background_check: { current: 'boolean' } },
    data: { classification: 'string' },
    session: { mfa_verified: 'boolean', secure_connection: 'boolean' },
  },
  actions: { read: { groups: ['data_access'] }, export: { groups: ['data_access'] }, train: { groups: ['long_running'] } },
  functions: { check_rate_limit: { params: ['string'], returns: 'boolean', doc: 'True while the recipient is under its rate limit.' } },
  open: true,
}

type Range = { start: { line: number; character: number }; end: { line: number; character: number } }
type Edit = { range: Range; newText: string }

/** Applies LSP edits to a text (through our own applyEdits). */
function applyLsp(text: string, edits: readonly Edit[]): string {
  const index = new LineIndex(text)
  return applyEdits(text, edits.map((e) => ({ span: { start: index.offset(e.range.start.line + 1, e.range.start.character + 1), end: index.offset(e.range.end.line + 1, e.range.end.character + 1) }, text: e.newText })))
}

/** The LSP position of the first occurrence of `needle` (plus `delta` characters). */
function pos(text: string, needle: string, delta = 0): { line: number; character: number } {
  const at = text.indexOf(needle)
  if (at < 0) throw new Error(`${needle} not in text`)
  const p = new LineIndex(text).position(at + delta)
  return { line: p.line - 1, character: p.column - 1 }
}

let root: string
let client: LspClient
const sda = () => readFileSync(join(root, 'secure_data_access.policy'), 'utf8')

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'symbi-lsp-'))
  for (const f of readdirSync(EXAMPLES)) if (/\.(policy|symbi|test\.json)$/.test(f)) cpSync(new URL(f, EXAMPLES), join(root, f))
  writeFileSync(join(root, 'symbi-policy.json'), JSON.stringify(SCHEMA))
  client = await LspClient.start(root)
}, 30_000)

afterAll(async () => {
  expect(client.child.exitCode, client.stderr.join('')).toBeNull()
  const code = await client.stop()
  rmSync(root, { recursive: true, force: true })
  expect(code).toBe(0)
})

describe('symbi-policy lsp --stdio', () => {
  it('publishes diagnostics with code and range for a broken file, offers its fix, and clears them when fixed', async () => {
    const broken = 'policy broken {\n  allow: read if context.a and context.b\n}\n'
    const uri = client.open('broken.policy', broken)
    const ds = await client.diagnosticsFor(uri, (d) => d.length > 0)
    expect(ds.map((d) => d.code)).toEqual(['PARSE005'])
    expect(ds[0]?.range).toEqual({ start: pos(broken, 'and'), end: pos(broken, 'and', 3) })
    expect(ds[0]?.severity).toBe(1)
    expect(ds[0]?.message).toContain('help: use `&&`')

    const actions = await client.request<{ title: string; kind: string; edit: { changes: Record<string, Edit[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: ds[0]?.range,
      context: { diagnostics: ds },
    })
    expect(actions.map((a) => a.title)).toEqual(['replace `and` with `&&`'])
    expect(actions[0]?.kind).toBe('quickfix')
    const fixed = applyLsp(broken, actions[0]?.edit.changes[uri] ?? [])
    expect(fixed).toBe('policy broken {\n  allow: read if context.a && context.b\n}\n')

    client.change(uri, fixed)
    expect(await client.diagnosticsFor(uri, (d) => d.length === 0)).toEqual([])
  })

  it('reports a policy name used in two files in both, each pointing at the other', async () => {
    const a = client.open('dup-a.policy', 'policy twice {\n  allow: read\n}\n')
    const b = client.open('dup-b.policy', 'policy twice {\n  deny: write\n}\n')
    const da = await client.diagnosticsFor(a, (d) => d.some((x) => x.code === 'CHECK003'))
    const db = await client.diagnosticsFor(b, (d) => d.some((x) => x.code === 'CHECK003'))
    expect(da.find((x) => x.code === 'CHECK003')?.relatedInformation?.map((r) => r.location.uri)).toEqual([b])
    expect(db.find((x) => x.code === 'CHECK003')?.relatedInformation?.map((r) => r.location.uri)).toEqual([a])
    // Renaming one clears both.
    client.change(b, 'policy once {\n  deny: write\n}\n')
    await client.diagnosticsFor(a, (d) => !d.some((x) => x.code === 'CHECK003'))
    await client.diagnosticsFor(b, (d) => !d.some((x) => x.code === 'CHECK003'))
  })

  it('formats a document exactly as fmt does, and a range by the items it touches', async () => {
    const messy = 'policy  m { allow:read   if context.x==1\n deny : write }\npolicy n {allow: read}\n'
    const uri = client.open('messy.policy', messy)
    const edits = await client.request<Edit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } })
    const expected = format(messy)
    expect(expected.ok).toBe(true)
    expect(applyLsp(messy, edits)).toBe(expected.ok ? expected.text : '')
    const ranged = await client.request<Edit[]>('textDocument/rangeFormatting', { textDocument: { uri }, range: { start: { line: 2, character: 0 }, end: { line: 2, character: 5 } }, options: { tabSize: 4, insertSpaces: true } })
    const after = applyLsp(messy, ranged)
    expect(after.startsWith('policy  m { allow:read')).toBe(true)
    expect(after).toContain(format('policy n {allow: read}\n').ok ? (format('policy n {allow: read}\n') as { text: string }).text.trimEnd() : '')
  })

  it('hovers builtins, host functions, ladder rungs, rule targets, require items and schema attributes', async () => {
    const uri = client.open('secure_data_access.policy', sda())
    const text = sda()
    const hover = async (needle: string, delta = 1): Promise<string> => {
      const h = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: pos(text, needle, delta) })
      return h?.contents.value ?? ''
    }
    expect(await hover('contains(')).toMatch(/contains\(collection, any\) -> boolean[\s\S]*array element/)
    expect(await hover('"secret"', 2)).toContain('rung 4 of 5 on ladder `classification`: public < internal < confidential < **secret** < top_secret')
    const allow = await hover('allow:')
    expect(allow).toContain('**allow** rule 1 of policy `secure_data_access`')
    expect(allow).toContain('the action `read`, or any action in group `read`')
    expect(allow).toContain('schema actions matched: `read`')
    const req = await hover('require:')
    expect(req).toContain('precondition `user.background_check.current`: the request is denied unless it holds')
    expect(req).toContain('obligation `audit_trail`')
    expect(await hover('clearance')).toBe('`user.clearance`: string')
    expect(await hover('need_to_know')).toBe('`user.need_to_know`: [string]')

    const host = client.open('host.policy', 'policy host {\n  allow: send if check_rate_limit(principal.id)\n}\n')
    const h = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: host }, position: { line: 1, character: 20 } })
    expect(h.contents.value).toContain('check_rate_limit(string) -> boolean')
    expect(h.contents.value).toContain('True while the recipient is under its rate limit.')
    expect(await client.diagnosticsFor(host, () => true)).toEqual([])
  })

  it('goes to definitions and finds references of binders, functions and agents', async () => {
    const text = sda()
    const uri = client.open('secure_data_access.policy', text)
    // `data` binds in `export(data)` and is read in the guard.
    const refs = await client.request<{ uri: string; range: Range }[]>('textDocument/references', { textDocument: { uri }, position: pos(text, 'data.contains_pii'), context: { includeDeclaration: true } })
    expect(refs.map((r) => r.range.start)).toEqual([pos(text, 'export(data', 7), pos(text, 'data.contains_pii')])
    const def = await client.request<{ uri: string; range: Range }[]>('textDocument/definition', { textDocument: { uri }, position: pos(text, 'data.contains_pii') })
    expect(def.map((d) => d.range.start)).toEqual([pos(text, 'export(data', 7)])

    const ra = readFileSync(join(root, 'research_assistant.symbi'), 'utf8')
    const rauri = client.open('research_assistant.symbi', ra)
    const caller = client.open('caller.symbi', 'function uses(xs: List<String>) -> float {\n  score(xs)\n}\n')
    const fdef = await client.request<{ uri: string; range: Range }[]>('textDocument/definition', { textDocument: { uri: caller }, position: { line: 1, character: 3 } })
    expect(fdef).toEqual([{ uri: rauri, range: { start: pos(ra, 'score(sources'), end: pos(ra, 'score(sources', 5) } }])
    const frefs = await client.request<{ uri: string }[]>('textDocument/references', { textDocument: { uri: rauri }, position: pos(ra, 'score(sources'), context: { includeDeclaration: false } })
    expect(frefs.map((r) => r.uri)).toEqual([caller])
  })

  it('lists document symbols (policies with their rules) and workspace symbols', async () => {
    const uri = client.open('secure_data_access.policy', sda())
    const symbols = await client.request<{ name: string; children: { name: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri } })
    expect(symbols.map((s) => s.name)).toEqual(['secure_data_access'])
    expect(symbols[0]?.children.map((c) => c.name.split(':')[0])).toEqual(['allow', 'deny', 'require'])
    const ws = await client.request<{ name: string; location: { uri: string } }[]>('workspace/symbol', { query: 'research' })
    expect(ws.map((s) => s.name).sort()).toEqual(['research_assistant', 'research_guardrails'])
  })

  it('completes keywords in place, schema attributes after a dot, builtins, and ladder rungs in compared strings', async () => {
    const labels = async (text: string, at: string, delta: number): Promise<string[]> => {
      const uri = client.open('complete.policy', text)
      const items = await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: pos(text, at, delta) })
      return items.map((i) => i.label)
    }
    expect(await labels('pol', 'pol', 3)).toEqual(expect.arrayContaining(['policy', 'agent', 'channel']))
    expect(await labels('pol', 'pol', 3)).not.toContain('allow:')
    const inPolicy = await labels('policy p {\n  \n}\n', '  \n', 2)
    expect(inPolicy).toEqual(expect.arrayContaining(['allow:', 'deny:', 'require:', 'audit:', 'contains', 'check_rate_limit', 'user']))
    expect(await labels('policy p {\n  allow: read if user.\n}\n', 'user.', 5)).toEqual(expect.arrayContaining(['clearance', 'need_to_know', 'background_check']))
    const rungs = await labels('policy p {\n  allow: read if user.clearance >= "\n}\n', '>= "', 4)
    expect(rungs).toEqual(expect.arrayContaining(['public', 'internal', 'confidential', 'secret', 'top_secret']))
  })

  it('shows an Evaluate lens per policy with the neighbouring test file’s results', async () => {
    const uri = client.open('secure_data_access.policy', sda())
    const lenses = await client.request<{ command: { title: string; command: string } }[]>('textDocument/codeLens', { textDocument: { uri } })
    expect(lenses).toHaveLength(1)
    expect(lenses[0]?.command.title).toMatch(/^▶ Evaluate: \d+ passed \(secure_data_access\.test\.json\)$/)
    const result = await client.request<{ passed: number; failed: number }>('workspace/executeCommand', { command: 'symbi-policy.evaluate', arguments: [uri] })
    expect(result.failed).toBe(0)
    expect(result.passed).toBeGreaterThan(3)
  })
})

describe('symbi-policy lsp: a failing test file and a bad schema', () => {
  it('shows failures in the lens and reports the schema error on the schema file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-lsp-'))
    writeFileSync(join(dir, 'p.policy'), 'policy p {\n  allow: read\n}\n')
    writeFileSync(join(dir, 'p.test.json'), JSON.stringify({ policies: ['p.policy'], cases: [{ name: 'write is allowed?', request: { principal: { id: 'a' }, action: 'write', resource: {} }, expect: { effect: 'allow' } }] }))
    writeFileSync(join(dir, 'symbi-policy.json'), '{ "context": { "user": "strnig" } }')
    const c = await LspClient.start(dir)
    try {
      const uri = c.open('p.policy', readFileSync(join(dir, 'p.policy'), 'utf8'))
      const lenses = await c.request<{ command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri } })
      expect(lenses[0]?.command.title).toBe('✗ Evaluate: 1 failed, 0 passed (p.test.json)')
      // The lens evaluates the buffer as typed, before any save; the file on disk is unchanged.
      c.change(uri, 'policy p {\n  allow: read\n  allow: write\n}\n')
      const typed = await c.request<{ command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri } })
      expect(typed[0]?.command.title).toBe('▶ Evaluate: 1 passed (p.test.json)')
      expect(readFileSync(join(dir, 'p.policy'), 'utf8')).toBe('policy p {\n  allow: read\n}\n')
      const ran = await c.request<{ passed: number; failed: number }>('workspace/executeCommand', { command: 'symbi-policy.evaluate', arguments: [uri] })
      expect(ran).toMatchObject({ passed: 1, failed: 0 })
      const schemaDiags = await c.diagnosticsFor(c.uri('symbi-policy.json'), (d) => d.length > 0)
      expect(schemaDiags[0]?.code).toBe('CHECK050')
      expect(schemaDiags[0]?.message).toContain("$.context.user: unknown type 'strnig'")
    } finally {
      expect(await c.stop()).toBe(0)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
