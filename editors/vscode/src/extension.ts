/**
 * Starts the symbi-policy language server for `.policy` and `.symbi` files. The server is the
 * package's own CLI (`symbi-policy lsp --stdio`), found in the workspace's node_modules first
 * so that the editor checks with the same version the project's CI uses.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { window, workspace, type ExtensionContext } from 'vscode'
import { LanguageClient, TransportKind, type Executable, type LanguageClientOptions } from 'vscode-languageclient/node'

let client: LanguageClient | undefined

/** The server command: a configured path, the workspace's installed package, or PATH. */
function serverCommand(): Executable | undefined {
  const config = workspace.getConfiguration('symbiPolicy')
  const args = ['lsp', '--stdio']
  const schema = config.get<string>('schema', '')
  if (schema !== '') args.push('--schema', schema)
  if (config.get<boolean>('strict', false)) args.push('--strict')
  // A script runs on VS Code's own Node (ELECTRON_RUN_AS_NODE): no separate Node on PATH needed.
  const viaNode = (script: string): Executable => ({ command: process.execPath, args: [script, ...args], transport: TransportKind.stdio, options: { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } } })
  const configured = config.get<string>('server.path', '')
  if (configured !== '') return configured.endsWith('.js') ? viaNode(configured) : { command: configured, args, transport: TransportKind.stdio }
  // A workspace's node_modules is the workspace's code: run it only once the user trusts it.
  for (const folder of workspace.isTrusted ? workspace.workspaceFolders ?? [] : []) {
    const installed = join(folder.uri.fsPath, 'node_modules', 'symbi-policy', 'dist', 'cli', 'main.js')
    if (existsSync(installed)) return viaNode(installed)
  }
  return { command: 'symbi-policy', args, transport: TransportKind.stdio }
}

async function start(): Promise<void> {
  const server = serverCommand()
  if (server === undefined) return
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'symbi-policy' }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher('**/{*.policy,*.symbi,symbi-policy.json,*.test.json}') },
  }
  client = new LanguageClient('symbiPolicy', 'Symbiont Policy', { run: server, debug: server }, clientOptions)
  try {
    await client.start()
  } catch (e) {
    client = undefined
    const message = e instanceof Error ? e.message : String(e)
    void window.showErrorMessage(`symbi-policy: the language server could not start (${message}). Install symbi-policy in the workspace (npm i -D symbi-policy) or set "symbiPolicy.server.path".`)
  }
}

export async function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(
    workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('symbiPolicy')) return
      await client?.stop()
      await start()
    }),
    workspace.onDidGrantWorkspaceTrust(async () => {
      await client?.stop()
      await start()
    }),
  )
  await start()
}

export async function deactivate(): Promise<void> {
  await client?.stop()
}
