/** Shared helpers of the codegen tests: compile sources, write a module, import it. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { generateModule, type GenerateModuleOptions } from '../../compiler/codegen/index.js'
import type { PolicySource } from '../../compiler/pipeline.js'
import { createEngine, type Engine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const EXAMPLES = join(ROOT, 'examples')

/** The runtime helper as source, so vitest can import generated modules without a build. */
export const RUNTIME_SOURCE = pathToFileURL(join(ROOT, 'runtime/compiled-module.ts')).href

/** The example policy files (every .policy and .symbi). */
export function exampleSources(): PolicySource[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.policy') || f.endsWith('.symbi'))
    .sort()
    .map((f) => ({ name: `examples/${f}`, source: readFileSync(join(EXAMPLES, f), 'utf8') }))
}

/** A fresh engine with the sources loaded; throws when they do not compile. */
export function engineFor(sources: readonly PolicySource[], schema?: unknown): Engine {
  const engine = createEngine(schema === undefined ? {} : { schema })
  const r = engine.load(sources)
  if (!r.ok) throw new Error(`policies do not compile: ${JSON.stringify(r.files)}`)
  return engine
}

/** What a generated module exports. */
export interface CompiledModule {
  evaluate(request: AuthzRequest): Decision
  readonly hash: string
  readonly version: number
  readonly compilerVersion: string
  readonly sources: readonly { policy: string; rule: number; kind: string; file: string; line: number; column: number; endLine: number; endColumn: number }[]
  locate(rule: { policy: string; rule: number; source?: string }): unknown
}

let counter = 0

/** Generates the module for an engine's set, writes it to a temp dir and imports it. */
export async function importModule(engine: Engine, sources: readonly PolicySource[], options: GenerateModuleOptions = {}): Promise<{ module: CompiledModule; text: string }> {
  const set = engine.policySet
  if (set === undefined) throw new Error('no set')
  const text = generateModule(set, sources, { runtimeImport: RUNTIME_SOURCE, ...options })
  const dir = mkdtempSync(join(tmpdir(), 'symbi-codegen-'))
  const file = join(dir, `policy-${counter++}.mjs`)
  writeFileSync(file, text)
  return { module: (await import(pathToFileURL(file).href)) as CompiledModule, text }
}

/** Decisions as plain JSON, for deep comparison. */
export function plain(d: Decision): unknown {
  return JSON.parse(JSON.stringify(d))
}
