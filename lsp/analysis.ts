/**
 * What the server knows about the set at one workspace version: every file's diagnostics from
 * one `compilePolicySet` over the whole set (the engine's own pipeline — no second parser), the
 * compiled set when it is clean, and per-document parse results made on demand.
 */
import type { IToken } from 'chevrotain'
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js'
import { LineIndex } from '../diagnostics/source-map.js'
import { compilePolicySet, resolveEnvironment, type Environment, type PolicySet } from '../compiler/pipeline.js'
import { CHECK } from '../compiler/codes.js'
import { lex } from '../grammar/lexer.js'
import { parse } from '../grammar/parse.js'
import type { Program } from '../grammar/ir.js'
import type { Workspace } from './workspace.js'
import { declarationsOf, type Declaration } from './symbols.js'

/** One document, parsed. `program` is absent when the file has errors. */
export interface DocumentInfo {
  readonly uri: string
  readonly text: string
  readonly index: LineIndex
  readonly tokens: readonly IToken[]
  readonly program?: Program
  readonly declarations: readonly Declaration[]
}

/** A diagnostic located in some file of the set. */
export interface LocatedDiagnostic {
  readonly diagnostic: Diagnostic
  /** Related locations in other files (the LSP carries URIs; our diagnostics carry spans only). */
  readonly related: readonly { readonly uri: string; readonly message: string; readonly span: { start: number; end: number } }[]
}

export interface SetAnalysis {
  readonly version: number
  /** Diagnostics by URI; every file of the set has an entry (empty when clean). */
  readonly diagnostics: ReadonlyMap<string, readonly LocatedDiagnostic[]>
  /** The compiled set, when no file has an error. */
  readonly set?: PolicySet
  /** Functions, ladders and schema in effect (the defaults when the schema is broken). */
  readonly env: Environment
}

export class Analyzer {
  private cached: SetAnalysis | undefined
  private readonly documents = new Map<string, DocumentInfo>()
  private readonly alone = new Map<string, { text: string; set: PolicySet | undefined }>()

  constructor(private readonly workspace: Workspace) {}

  /** The document as parsed now; cached by text. */
  document(uri: string): DocumentInfo | undefined {
    const text = this.workspace.text(uri)
    if (text === undefined) return undefined
    const hit = this.documents.get(uri)
    if (hit !== undefined && hit.text === text) return hit
    const parsed = parse(text, { strict: this.workspace.options.strict })
    const tokens = lex(text).tokens
    const info: DocumentInfo = {
      uri,
      text,
      index: new LineIndex(text),
      tokens,
      ...(parsed.value === undefined ? {} : { program: parsed.value }),
      declarations: declarationsOf(uri, tokens),
    }
    this.documents.set(uri, info)
    return info
  }

  /** Every document of the set, parsed. */
  allDocuments(): DocumentInfo[] {
    return this.workspace.files().flatMap((f) => this.document(f.uri) ?? [])
  }

  analyze(): SetAnalysis {
    const version = this.workspace.version
    if (this.cached?.version === version) return this.cached
    const files = this.workspace.files()
    const schemaSource = this.workspace.schema()
    const diagnostics = new Map<string, LocatedDiagnostic[]>(files.map((f) => [f.uri, []]))
    const options: { schema?: unknown; strict: boolean } = { strict: this.workspace.options.strict }
    if (schemaSource !== undefined && 'json' in schemaSource) options.schema = schemaSource.json
    if (schemaSource !== undefined && 'error' in schemaSource) {
      diagnostics.set(schemaSource.uri, [{ diagnostic: diagnostic(CHECK.badSchema, 'error', schemaSource.error, { start: 0, end: 0 }), related: [] }])
    }
    const result = compilePolicySet(files.map((f) => ({ name: f.uri, source: f.text })), options)
    for (const file of result.files) {
      const uri = file.name === '<options>' ? schemaSource?.uri : diagnostics.has(file.name) ? file.name : files[0]?.uri
      if (uri === undefined) continue
      const list = diagnostics.get(uri) ?? []
      for (const d of file.diagnostics) list.push({ diagnostic: d, related: [] })
      diagnostics.set(uri, list)
    }
    this.mirrorDuplicates(diagnostics)
    let env: Environment
    try {
      env = resolveEnvironment(options)
    } catch {
      env = resolveEnvironment({})
    }
    this.cached = { version, diagnostics, env, ...(result.value === undefined ? {} : { set: result.value }) }
    return this.cached
  }

  /**
   * The checked policies of one document: from the whole set when it is clean, else from the
   * document compiled on its own (so hovers work while another file is broken).
   */
  checkedPolicies(uri: string): PolicySet['checked']['policies'] {
    const a = this.analyze()
    if (a.set !== undefined) return a.set.checked.policies.filter((p) => p.file === uri)
    const text = this.workspace.text(uri)
    if (text === undefined) return []
    let hit = this.alone.get(uri)
    if (hit === undefined || hit.text !== text) {
      const schema = this.workspace.schema()
      const options = schema !== undefined && 'json' in schema ? { schema: schema.json, strict: this.workspace.options.strict } : { strict: this.workspace.options.strict }
      hit = { text, set: compilePolicySet([{ name: uri, source: text }], options).value }
      this.alone.set(uri, hit)
    }
    return hit.set?.checked.policies ?? []
  }

  /**
   * The checker reports a repeated policy name at the second definition only. In an editor the
   * first file needs to know too (renaming either fixes it), so each definition is reported,
   * pointing at the others.
   */
  private mirrorDuplicates(diagnostics: Map<string, LocatedDiagnostic[]>): void {
    const byName = new Map<string, Declaration[]>()
    for (const doc of this.allDocuments()) {
      for (const d of doc.declarations) {
        if (d.kind !== 'policy') continue
        const list = byName.get(d.name) ?? []
        list.push(d)
        byName.set(d.name, list)
      }
    }
    for (const [name, defs] of byName) {
      if (defs.length < 2) continue
      for (const def of defs) {
        const others = defs.filter((o) => o !== def).map((o) => ({ uri: o.uri, message: `\`${name}\` is also defined here`, span: o.nameSpan }))
        const list = diagnostics.get(def.uri) ?? []
        const existing = list.findIndex((l) => l.diagnostic.code === CHECK.duplicatePolicy && l.diagnostic.span.start <= def.nameSpan.start && def.nameSpan.end <= l.diagnostic.span.end)
        if (existing >= 0) list[existing] = { diagnostic: (list[existing] as LocatedDiagnostic).diagnostic, related: others }
        else {
          list.push({
            diagnostic: diagnostic(CHECK.duplicatePolicy, 'error', `policy \`${name}\` is defined ${defs.length} times in the set`, def.nameSpan, { help: 'policy names identify rules in decisions and must be unique in a set' }),
            related: others,
          })
        }
        diagnostics.set(def.uri, list)
      }
    }
  }
}
