/**
 * Starts the symbi-policy language server (`symbi-policy lsp --stdio`) for `.policy` and
 * `.symbi` files. The server is the package's own CLI, taken from the workspace's node_modules
 * first so that the editor checks with the same version as the project's CI.
 */
import { existsSync, statSync } from 'node:fs'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { window, workspace, type ConfigurationChangeEvent, type ExtensionContext } from 'vscode'
import { LanguageClient, TransportKind, type Executable, type LanguageClientOptions } from 'vscode-languageclient/node'

/** Also the prefix of `symbiPolicy.trace.server`, which the client reads by itself. */
const CLIENT_ID = 'symbiPolicy'
/** The settings that change the server's command line; `trace.server` needs no restart. */
const SERVER_SETTINGS = ['symbiPolicy.server.path', 'symbiPolicy.schema', 'symbiPolicy.strict']

let client: LanguageClient | undefined
/** Starts and stops run one at a time: two quick setting changes must not start two servers. */
let queue: Promise<void> = Promise.resolve()

const firstFolder = (): string | undefined => workspace.workspaceFolders?.[0]?.uri.fsPath

/** A setting's path, relative paths taken from the first workspace folder (not VS Code's cwd). */
function settingPath(value: string): string {
  const base = firstFolder()
  return isAbsolute(value) || base === undefined ? value : resolve(base, value)
}

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile()

/** `name` on PATH, as the OS would find it (with PATHEXT's extensions on Windows). */
function onPath(name: string): string | undefined {
  const exts = process.platform === 'win32' ? (process.env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue
    for (const ext of exts) {
      const candidate = join(dir, name + ext)
      if (isFile(candidate)) return candidate
    }
  }
  return undefined
}

/** An executable; npm's `.cmd` shims on Windows only start through a shell. */
function executable(command: string, args: string[], cwd: string | undefined): Executable {
  const shell = /\.(?:cmd|bat)$/i.test(command)
  return { command, args, transport: TransportKind.stdio, options: { ...(cwd === undefined ? {} : { cwd }), ...(shell ? { shell } : {}) } }
}

type Resolved = { readonly server: Executable } | { readonly error: string }

/** The server command: the configured path, else the workspace's package, else PATH. */
function resolveServer(): Resolved {
  const config = workspace.getConfiguration('symbiPolicy')
  const args = ['lsp', '--stdio']
  const schema = config.get<string>('schema', '').trim()
  if (schema !== '') args.push('--schema', settingPath(schema))
  if (config.get<boolean>('strict', false)) args.push('--strict')
  const cwd = firstFolder()
  const options = cwd === undefined ? {} : { cwd }
  // A script runs on VS Code's own Node (ELECTRON_RUN_AS_NODE): no separate Node on PATH needed.
  const viaNode = (script: string): Executable => ({
    command: process.execPath,
    args: [script, ...args],
    transport: TransportKind.stdio,
    options: { ...options, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
  })

  // In a restricted workspace VS Code returns only the user's value of this setting
  // (package.json lists it under restrictedConfigurations), so a workspace cannot choose it.
  const configured = config.get<string>('server.path', '').trim()
  if (configured !== '') {
    const path = settingPath(configured)
    if (!isFile(path)) return { error: `symbiPolicy.server.path is set to "${configured}", but there is no file at ${path}.` }
    return { server: /\.[cm]?js$/.test(path) ? viaNode(path) : executable(path, args, cwd) }
  }
  // A workspace's node_modules is the workspace's code: run it only once the user trusts it.
  for (const folder of workspace.isTrusted ? workspace.workspaceFolders ?? [] : []) {
    const installed = join(folder.uri.fsPath, 'node_modules', 'symbi-policy', 'dist', 'cli', 'main.js')
    if (isFile(installed)) return { server: viaNode(installed) }
  }
  const global = onPath('symbi-policy')
  if (global !== undefined) return { server: executable(global, args, cwd) }
  return {
    error:
      'symbi-policy: no language server found. Install symbi-policy in the workspace (npm i -D symbi-policy) or globally, ' +
      'or set "symbiPolicy.server.path" to its dist/cli/main.js or executable.',
  }
}

async function start(): Promise<void> {
  const resolved = resolveServer()
  if ('error' in resolved) {
    void window.showErrorMessage(resolved.error)
    return
  }
  let next: LanguageClient | undefined
  try {
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'symbi-policy' }],
      // The server re-checks policies when their tests or the schema change on disk.
      synchronize: { fileEvents: workspace.createFileSystemWatcher('**/{*.policy,*.symbi,symbi-policy.json,*.test.json}') },
    }
    next = new LanguageClient(CLIENT_ID, 'Symbiont Policy', { run: resolved.server, debug: resolved.server }, clientOptions)
    await next.start()
    client = next
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    void window.showErrorMessage(`symbi-policy: the language server (${resolved.server.command}) could not start: ${message}`)
    await next?.dispose().catch(() => undefined)
  }
}

async function stop(): Promise<void> {
  const current = client
  client = undefined
  // A server that already died cannot be asked to shut down; the restart goes on regardless.
  await current?.stop().catch(() => undefined)
}

function restart(): Promise<void> {
  // A failed restart must not wedge the queue: the next setting change tries again.
  queue = queue
    .then(stop)
    .then(start)
    .catch((e: unknown) => void window.showErrorMessage(`symbi-policy: ${e instanceof Error ? e.message : String(e)}`))
  return queue
}

export function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(
    workspace.onDidChangeConfiguration((e: ConfigurationChangeEvent) => {
      if (SERVER_SETTINGS.some((s) => e.affectsConfiguration(s))) void restart()
    }),
    // Trusting the workspace makes its node_modules eligible: pick the workspace's server up.
    workspace.onDidGrantWorkspaceTrust(() => void restart()),
    workspace.onDidChangeWorkspaceFolders(() => void restart()),
  )
  return restart()
}

export function deactivate(): Promise<void> {
  queue = queue.then(stop)
  return queue
}
