/**
 * The playground: the package's own parser, checker and engine running in the page (no
 * server). Every pane is a CodeMirror editor; the whole state lives in the URL fragment.
 */
import { EditorView, basicSetup } from 'codemirror'
import { StateEffect, StateField, type Extension } from '@codemirror/state'
import { Decoration, type DecorationSet } from '@codemirror/view'
import { linter, lintGutter, type Diagnostic as CmDiagnostic } from '@codemirror/lint'
import { LineIndex } from '../../diagnostics/source-map.js'
import { compilePolicySet } from '../../compiler/pipeline.js'
import { createEngineCore } from '../../runtime/engine.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { checkExpectation } from '../../testing/expectation.js'
import type { Expectation } from '../../testing/expectation.js'
import { EXAMPLES, type Example } from 'virtual:examples'
import { symbiPolicy } from './language.js'
import { decodeState, encodeState, type PlaygroundState } from './state.js'

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.querySelector<T>(`[data-testid="${id}"]`)
  if (el === null) throw new Error(`the page has no [data-testid="${id}"]`)
  return el
}

// ── determining rules: marked in the policy editor ─────────────────────────────
const setMarks = StateEffect.define<{ from: number; to: number }[]>()
const marks = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    let v = value.map(tr.changes)
    for (const e of tr.effects) {
      if (e.is(setMarks)) v = Decoration.set(e.value.map((r) => Decoration.mark({ class: 'cm-determining' }).range(r.from, r.to)), true)
    }
    // An edit makes the old decision stale.
    return tr.docChanged ? Decoration.none : v
  },
  provide: (f) => EditorView.decorations.from(f),
})

const POLICY_FILE = 'playground.policy'

function schemaJson(): { value?: unknown; error?: string } {
  const text = schemaView.state.doc.toString().trim()
  if (text === '') return {}
  try {
    return { value: JSON.parse(text) as unknown }
  } catch (e) {
    return { error: `schema is not JSON: ${e instanceof Error ? e.message : String(e)}` }
  }
}

function compileOptions(): { schema?: unknown } {
  const s = schemaJson()
  return s.value === undefined ? {} : { schema: s.value }
}

// ── diagnostics: squiggles and the list ─────────────────────────────────────────
function checkPolicy(view: EditorView): CmDiagnostic[] {
  const text = view.state.doc.toString()
  const index = new LineIndex(text)
  const list = $('diagnostics')
  list.replaceChildren()
  const out: CmDiagnostic[] = []
  const schema = schemaJson()
  if (schema.error !== undefined) addItem(list, 'error', schema.error)
  const result = compilePolicySet([{ name: POLICY_FILE, source: text }], compileOptions())
  for (const file of result.files) {
    for (const d of file.diagnostics) {
      const from = Math.min(d.span.start, text.length)
      const to = Math.max(from, Math.min(d.span.end, text.length))
      const where = file.name === POLICY_FILE ? `${index.position(from).line}:${index.position(from).column}` : file.name
      addItem(list, d.severity, `${where} ${d.severity}[${d.code}]: ${d.message}${d.help === undefined ? '' : ` — ${d.help}`}`)
      if (file.name === POLICY_FILE) out.push({ from, to: to === from && to < text.length ? to + 1 : to, severity: d.severity, message: d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`, source: d.code })
    }
  }
  if (list.childElementCount === 0) addItem(list, 'ok', 'no problems')
  return out
}

function addItem(list: HTMLElement, kind: string, text: string): void {
  const li = document.createElement('li')
  li.className = `diag-${kind}`
  li.textContent = text
  list.append(li)
}

// ── evaluation ───────────────────────────────────────────────────────────────
function loadEngine(): { engine: ReturnType<typeof createEngineCore> } | { error: string } {
  const schema = schemaJson()
  if (schema.error !== undefined) return { error: schema.error }
  const engine = createEngineCore(compilePolicySet, compileOptions())
  const r = engine.load([{ name: POLICY_FILE, source: policyView.state.doc.toString() }])
  if (!r.ok) {
    // The engine is stricter than the checker (e.g. CHECK051: a declared host function has no
    // implementation in the page), so its own reasons are shown, not only "see the diagnostics".
    const reasons = r.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`))
    return { error: `the engine refused the policy, nothing was evaluated:\n${reasons.join('\n')}` }
  }
  return { engine }
}

function parseRequest(text: string): AuthzRequest | string {
  try {
    return JSON.parse(text) as AuthzRequest
  } catch (e) {
    return `request is not JSON: ${e instanceof Error ? e.message : String(e)}`
  }
}

function evaluate(): void {
  const out = $('decision')
  const trace = $('trace')
  trace.replaceChildren()
  const loaded = loadEngine()
  if ('error' in loaded) {
    out.textContent = loaded.error
    out.dataset['effect'] = 'none'
    return
  }
  const request = parseRequest(requestView.state.doc.toString())
  if (typeof request === 'string') {
    out.textContent = request
    out.dataset['effect'] = 'none'
    return
  }
  const decision = loaded.engine.evaluate(request)
  out.textContent = JSON.stringify(decision, null, 2)
  out.dataset['effect'] = decision.effect
  const text = policyView.state.doc.toString()
  const spans = decision.determining.filter((r) => r.source === POLICY_FILE).map((r) => ({ from: Math.min(r.span.start, text.length), to: Math.min(r.span.end, text.length) }))
  policyView.dispatch({ effects: setMarks.of(spans.filter((s) => s.to > s.from)) })
  const explained: Decision = loaded.engine.evaluate(request, { explain: true })
  for (const step of explained.trace ?? []) {
    const li = document.createElement('li')
    li.className = `trace-${step.outcome}`
    li.textContent = `${step.rule.policy}[${step.rule.rule}] ${step.rule.kind}: ${step.outcome}${step.detail === undefined ? '' : ` — ${step.detail}`}`
    trace.append(li)
  }
}

interface TestCase {
  readonly name: string
  readonly request: AuthzRequest
  readonly expect: Expectation
}

function runTests(): void {
  const list = $('test-results')
  list.replaceChildren()
  let cases: TestCase[]
  try {
    const parsed = JSON.parse(testsView.state.doc.toString()) as unknown
    if (!Array.isArray(parsed)) throw new Error('expected an array of cases')
    cases = parsed as TestCase[]
  } catch (e) {
    addItem(list, 'error', `test cases are not valid: ${e instanceof Error ? e.message : String(e)}`)
    return
  }
  const loaded = loadEngine()
  if ('error' in loaded) {
    addItem(list, 'error', loaded.error)
    return
  }
  let passed = 0
  for (const c of cases) {
    const problems = checkExpectation(loaded.engine.evaluate(c.request), c.expect)
    if (problems.length === 0) passed++
    addItem(list, problems.length === 0 ? 'pass' : 'fail', `${problems.length === 0 ? '✓' : '✗'} ${c.name}${problems.length === 0 ? '' : ` — ${problems.join('; ')}`}`)
  }
  $('test-summary').textContent = `${passed} of ${cases.length} passed`
}

// ── editors and state ──────────────────────────────────────────────────────────
let saveTimer: number | undefined
function saveSoon(): void {
  if (saveTimer !== undefined) clearTimeout(saveTimer)
  saveTimer = window.setTimeout(() => history.replaceState(null, '', `#${encodeState(current())}`), 200)
}

const onChange = EditorView.updateListener.of((u) => {
  if (u.docChanged) saveSoon()
})

function editor(id: string, doc: string, extra: Extension[]): EditorView {
  return new EditorView({ doc, parent: $(id), extensions: [basicSetup, onChange, ...extra] })
}

const picker = $<HTMLSelectElement>('example-picker')
for (const ex of EXAMPLES) {
  const o = document.createElement('option')
  o.value = ex.name
  o.textContent = ex.name
  picker.append(o)
}

const first = EXAMPLES[0] as Example
const initial: PlaygroundState = decodeState(location.hash) ?? fromExample(first)

function fromExample(ex: Example): PlaygroundState {
  return { example: ex.name, policy: ex.policy, request: ex.request, schema: ex.schema, tests: ex.tests }
}

const policyView = editor('policy-editor', initial.policy, [symbiPolicy, marks, lintGutter(), linter(checkPolicy, { delay: 250 })])
const requestView = editor('request-editor', initial.request, [])
const schemaView = editor('schema-editor', initial.schema, [])
const testsView = editor('tests-editor', initial.tests, [])
picker.value = initial.example

function current(): PlaygroundState {
  return {
    example: picker.value,
    policy: policyView.state.doc.toString(),
    request: requestView.state.doc.toString(),
    schema: schemaView.state.doc.toString(),
    tests: testsView.state.doc.toString(),
  }
}

function replace(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
}

picker.addEventListener('change', () => {
  const ex = EXAMPLES.find((e) => e.name === picker.value)
  if (ex === undefined) return
  replace(policyView, ex.policy)
  replace(requestView, ex.request)
  replace(schemaView, ex.schema)
  replace(testsView, ex.tests)
  $('decision').textContent = ''
  $('test-results').replaceChildren()
  $('test-summary').textContent = ''
  saveSoon()
})
$('evaluate').addEventListener('click', evaluate)
$('run-tests').addEventListener('click', runTests)
document.body.dataset['ready'] = 'true'
