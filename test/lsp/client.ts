/** A JSON-RPC client speaking LSP to `symbi-policy lsp --stdio` in a child process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface PublishedDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } }
  severity: number
  code: string
  message: string
  relatedInformation?: { location: { uri: string; range: unknown }; message: string }[]
}

export class LspClient {
  readonly connection: MessageConnection
  private readonly diagnostics = new Map<string, PublishedDiagnostic[]>()
  private readonly waiters: { uri: string; test: (d: PublishedDiagnostic[]) => boolean; done: (d: PublishedDiagnostic[]) => void }[] = []
  readonly stderr: string[] = []
  private versions = new Map<string, number>()

  private constructor(readonly child: ChildProcess, readonly root: string) {
    this.connection = createMessageConnection(new StreamMessageReader(child.stdout as NodeJS.ReadableStream), new StreamMessageWriter(child.stdin as NodeJS.WritableStream))
    child.stderr?.on('data', (b: Buffer) => this.stderr.push(b.toString()))
    this.connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: PublishedDiagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics)
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && w.test(p.diagnostics)) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.done(p.diagnostics)
        }
      }
    })
    this.connection.onNotification('window/logMessage', () => undefined)
    this.connection.listen()
  }

  static async start(root: string, args: readonly string[] = [], initializationOptions: unknown = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [CLI, 'lsp', '--stdio', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
    const client = new LspClient(child, root)
    await client.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }],
      capabilities: {},
      initializationOptions,
    })
    await client.connection.sendNotification('initialized', {})
    return client
  }

  uri(file: string): string {
    return pathToFileURL(`${this.root}/${file}`).href
  }

  /** Resolves with the next diagnostics published for `uri` that satisfy `test` (or the current ones if they do). */
  diagnosticsFor(uri: string, test: (d: PublishedDiagnostic[]) => boolean = () => true, timeoutMs = 10_000): Promise<PublishedDiagnostic[]> {
    const now = this.diagnostics.get(uri)
    if (now !== undefined && test(now)) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; last: ${JSON.stringify(this.diagnostics.get(uri))}`)), timeoutMs)
      this.waiters.push({ uri, test, done: (d) => (clearTimeout(timer), resolve(d)) })
    })
  }

  open(file: string, text: string): string {
    const uri = this.uri(file)
    this.versions.set(uri, 1)
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'symbi-policy', version: 1, text } })
    return uri
  }

  change(uri: string, text: string): void {
    const v = (this.versions.get(uri) ?? 1) + 1
    this.versions.set(uri, v)
    void this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text }] })
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.connection.sendRequest(method, params) as Promise<T>
  }

  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)))
    await this.connection.sendRequest('shutdown')
    // The server may exit before the notification is flushed; that is the point of `exit`.
    await this.connection.sendNotification('exit').catch(() => undefined)
    const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 5000))])
    if (code === null) this.child.kill('SIGKILL')
    this.connection.dispose()
    return code
  }
}
