/**
 * The language server: LSP over the front end and checker of this package (no second parser).
 * Diagnostics are computed for the whole set after a short pause in typing and published for
 * every file whose diagnostics changed, so an edit in one file can clear an error in another.
 */
import { resolve } from 'node:path'
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  MessageType,
  ShowMessageNotification,
  CompletionItemKind,
  DiagnosticSeverity,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type InitializeResult,
  type Position,
  type Range,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver/node'
import { TextDocument } from 'vscode-languageserver-textdocument'
import type { Span, TextEdit } from '../diagnostics/diagnostic.js'
import { LineIndex } from '../diagnostics/source-map.js'
import { Analyzer, type DocumentInfo, type LocatedDiagnostic } from './analysis.js'
import { completionsAt, type CompletionKind } from './completion.js'
import { formatDocument, formatRange } from './formatting.js'
import { hoverAt } from './hover.js'
import { Evaluations, lensTitle, type OpenBuffer } from './lens.js'
import { definitionAt, outline, referencesAt, workspaceSymbols, type OutlineEntry } from './navigation.js'
import type { DeclarationKind } from './symbols.js'
import { uriToPath, Workspace } from './workspace.js'

/** Options from the command line; the client's `initializationOptions` may set the same. */
export interface ServerOptions {
  readonly schemaPath?: string
  readonly strict?: boolean
  /** Pause after the last change before the set is checked again, in ms. */
  readonly debounceMs?: number
}

export const EVALUATE_COMMAND = 'symbi-policy.evaluate'

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const
const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  function: CompletionItemKind.Function,
  field: CompletionItemKind.Field,
  rung: CompletionItemKind.EnumMember,
  variable: CompletionItemKind.Variable,
  snippet: CompletionItemKind.Snippet,
}
const SYMBOL_KIND: Record<DeclarationKind | 'rule', SymbolKind> = {
  policy: SymbolKind.Module,
  agent: SymbolKind.Class,
  channel: SymbolKind.Interface,
  function: SymbolKind.Function,
  type: SymbolKind.Struct,
  schedule: SymbolKind.Event,
  memory: SymbolKind.Object,
  webhook: SymbolKind.Event,
  rule: SymbolKind.Property,
}

function toRange(index: LineIndex, span: Span): Range {
  const { start, end } = index.range(span)
  return { start: { line: start.line - 1, character: start.column - 1 }, end: { line: end.line - 1, character: end.column - 1 } }
}

function toOffset(index: LineIndex, p: Position): number {
  return index.offset(p.line + 1, p.character + 1)
}

function toLspEdits(index: LineIndex, edits: readonly TextEdit[]): LspTextEdit[] {
  return edits.map((e) => ({ range: toRange(index, e.span), newText: e.text }))
}

/** Wires a connection; call `connection.listen()` afterwards. */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument)
  let workspace: Workspace | undefined
  let analyzer: Analyzer | undefined
  const evaluations = new Evaluations()
  const published = new Map<string, string>()
  let timer: NodeJS.Timeout | undefined
  let lensRefresh = false
  const debounce = options.debounceMs ?? 150

  const indexOf = (uri: string): LineIndex | undefined => {
    const text = workspace?.text(uri)
    return text === undefined ? undefined : new LineIndex(text)
  }

  const toLspDiagnostic = (uri: string, index: LineIndex, l: LocatedDiagnostic): LspDiagnostic => {
    const d = l.diagnostic
    const related = [
      ...(d.related ?? []).map((r) => ({ location: { uri, range: toRange(index, r.span) }, message: r.message })),
      ...l.related.flatMap((r) => {
        const other = indexOf(r.uri)
        return other === undefined ? [] : [{ location: { uri: r.uri, range: toRange(other, r.span) }, message: r.message }]
      }),
    ]
    return {
      range: toRange(index, d.span),
      severity: SEVERITY[d.severity],
      code: d.code,
      source: 'symbi-policy',
      message: d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`,
      ...(related.length > 0 ? { relatedInformation: related } : {}),
    }
  }

  const publish = (): void => {
    if (analyzer === undefined) return
    const a = analyzer.analyze()
    const seen = new Set<string>()
    for (const [uri, list] of a.diagnostics) {
      seen.add(uri)
      const index = indexOf(uri) ?? new LineIndex('')
      const diagnostics = list.map((l) => toLspDiagnostic(uri, index, l))
      const key = JSON.stringify(diagnostics)
      if (published.get(uri) === key) continue
      published.set(uri, key)
      connection.sendDiagnostics({ uri, diagnostics }).catch(() => undefined)
    }
    // Files that left the set (deleted, closed without a file on disk) lose their diagnostics.
    for (const uri of [...published.keys()]) {
      if (seen.has(uri)) continue
      published.delete(uri)
      connection.sendDiagnostics({ uri, diagnostics: [] }).catch(() => undefined)
    }
  }

  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      try {
        publish()
      } catch (e) {
        connection.console.error(`symbi-policy: checking failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
      }
    }, debounce)
  }

  const notify = (type: MessageType, message: string): void => {
    connection.sendNotification(ShowMessageNotification.type, { type, message }).catch(() => undefined)
  }
  const refreshLenses = (): void => {
    if (lensRefresh) connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined)
  }

  const withDoc = <T>(uri: string, f: (doc: DocumentInfo, a: Analyzer) => T, fallback: T): T => {
    if (analyzer === undefined) return fallback
    const doc = analyzer.document(uri)
    return doc === undefined ? fallback : f(doc, analyzer)
  }

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as { schema?: unknown; strict?: unknown }
    const roots = (params.workspaceFolders ?? []).flatMap((f) => uriToPath(f.uri) ?? [])
    if (roots.length === 0 && params.rootUri) {
      const p = uriToPath(params.rootUri)
      if (p !== undefined) roots.push(p)
    }
    const schemaPath = options.schemaPath ?? (typeof init.schema === 'string' && init.schema !== '' ? init.schema : undefined)
    const strict = options.strict ?? init.strict === true
    workspace = new Workspace(schemaPath === undefined ? { roots, strict } : { roots, strict, schemaPath })
    analyzer = new Analyzer(workspace)
    lensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        completionProvider: { triggerCharacters: ['.', '"'] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [EVALUATE_COMMAND] },
      },
      serverInfo: { name: 'symbi-policy' },
    }
  })

  connection.onInitialized(() => schedule())

  documents.onDidChangeContent((e) => {
    workspace?.setOpen(e.document.uri, e.document.getText())
    schedule()
  })
  documents.onDidClose((e) => {
    workspace?.close(e.document.uri)
    schedule()
  })
  documents.onDidSave(() => refreshLenses())
  connection.onDidChangeWatchedFiles((p) => {
    for (const c of p.changes) if (!workspace?.isOpen(c.uri)) workspace?.diskChanged(c.uri)
    schedule()
  })

  connection.onHover((p) =>
    withDoc(p.textDocument.uri, (doc, a) => {
      const h = hoverAt(a, doc, toOffset(doc.index, p.position))
      return h === undefined ? null : { contents: { kind: 'markdown', value: h.markdown }, range: toRange(doc.index, h.span) }
    }, null),
  )

  const toLocations = (locs: readonly { uri: string; span: Span }[]) =>
    locs.flatMap((l) => {
      const index = indexOf(l.uri)
      return index === undefined ? [] : [{ uri: l.uri, range: toRange(index, l.span) }]
    })

  connection.onDefinition((p) => withDoc(p.textDocument.uri, (doc, a) => toLocations(definitionAt(a, doc, toOffset(doc.index, p.position))), []))
  connection.onReferences((p) => withDoc(p.textDocument.uri, (doc, a) => toLocations(referencesAt(a, doc, toOffset(doc.index, p.position), p.context.includeDeclaration)), []))

  connection.onDocumentSymbol((p) =>
    withDoc(p.textDocument.uri, (doc) => {
      const convert = (e: OutlineEntry): DocumentSymbol => ({
        name: e.name,
        detail: e.detail,
        kind: SYMBOL_KIND[e.kind],
        range: toRange(doc.index, e.span),
        selectionRange: toRange(doc.index, e.selection),
        children: e.children.map(convert),
      })
      return outline(doc).map(convert)
    }, []),
  )

  connection.onWorkspaceSymbol((p) => {
    if (analyzer === undefined) return []
    return workspaceSymbols(analyzer, p.query).flatMap((d) => {
      const index = indexOf(d.uri)
      return index === undefined ? [] : [{ name: d.name, kind: SYMBOL_KIND[d.kind], location: { uri: d.uri, range: toRange(index, d.nameSpan) } }]
    })
  })

  connection.onCompletion((p) =>
    withDoc(p.textDocument.uri, (doc, a) =>
      completionsAt(a, doc, toOffset(doc.index, p.position)).map((c) => ({
        label: c.label,
        kind: COMPLETION_KIND[c.kind],
        ...(c.detail === undefined ? {} : { detail: c.detail }),
        ...(c.documentation === undefined ? {} : { documentation: { kind: 'markdown' as const, value: c.documentation } }),
        ...(c.replace === undefined ? { insertText: c.insert ?? c.label } : { textEdit: { range: toRange(doc.index, c.replace), newText: c.insert ?? c.label } }),
      })),
    [],
    ),
  )

  connection.onCodeAction((p) => {
    if (analyzer === undefined) return []
    const uri = p.textDocument.uri
    const index = indexOf(uri)
    if (index === undefined) return []
    const from = toOffset(index, p.range.start)
    const to = toOffset(index, p.range.end)
    const actions: CodeAction[] = []
    for (const l of analyzer.analyze().diagnostics.get(uri) ?? []) {
      const d = l.diagnostic
      if (d.fixes === undefined || d.span.start > to || d.span.end < from) continue
      for (const fix of d.fixes) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [toLspDiagnostic(uri, index, l)],
          isPreferred: d.fixes.length === 1,
          edit: { changes: { [uri]: toLspEdits(index, fix.edits) } },
        })
      }
    }
    return actions
  })

  connection.onDocumentFormatting((p) => {
    const text = workspace?.text(p.textDocument.uri)
    return text === undefined ? [] : toLspEdits(new LineIndex(text), formatDocument(text, workspace?.options.strict ?? false))
  })
  connection.onDocumentRangeFormatting((p) => {
    const text = workspace?.text(p.textDocument.uri)
    if (text === undefined) return []
    const index = new LineIndex(text)
    return toLspEdits(index, formatRange(text, { start: toOffset(index, p.range.start), end: toOffset(index, p.range.end) }, workspace?.options.strict ?? false))
  })

  // The lens evaluates what the user sees: open buffers, saved or not.
  const openBuffer = (path: string): OpenBuffer | undefined => {
    const want = resolve(path)
    for (const d of documents.all()) if (uriToPath(d.uri) === want) return { text: d.getText(), version: d.version }
    return undefined
  }

  connection.onCodeLens((p) =>
    withDoc(p.textDocument.uri, (doc) => {
      const policies = doc.declarations.filter((d) => d.kind === 'policy')
      if (policies.length === 0) return []
      const summary = evaluations.summary(doc.uri, false, openBuffer)
      if (summary === undefined) return []
      return policies.map((d) => ({
        range: toRange(doc.index, d.keywordSpan),
        command: { title: lensTitle(summary), command: EVALUATE_COMMAND, arguments: [doc.uri] },
      }))
    }, []),
  )

  connection.onExecuteCommand((p) => {
    if (p.command !== EVALUATE_COMMAND) return null
    const uri = typeof p.arguments?.[0] === 'string' ? p.arguments[0] : undefined
    if (uri === undefined) return null
    const summary = evaluations.summary(uri, true, openBuffer)
    // Notifications, not requests: a client that cannot show messages must not fail the command.
    if (summary === undefined) {
      notify(MessageType.Warning, 'No *.test.json file beside this policy file.')
      return null
    }
    const text = summary.failed === 0 ? `${summary.passed} passed` : `${summary.failed} failed: ${summary.failures.join('; ')}`
    notify(summary.failed === 0 ? MessageType.Info : MessageType.Error, `symbi-policy: ${text}`)
    refreshLenses()
    return summary
  })

  documents.listen(connection)
}
