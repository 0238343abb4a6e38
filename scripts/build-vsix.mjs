// Builds the VS Code extension (editors/vscode) into editors/vscode/symbi-policy.vsix, offline:
// esbuild bundles the client (vscode-languageclient included, `vscode` external), then vsce
// packages the bundle, grammar and manifest without running npm (--no-dependencies).
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const ext = join(root, 'editors', 'vscode')

await build({
  entryPoints: [join(ext, 'src', 'extension.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: true,
  legalComments: 'none',
  outfile: join(ext, 'dist', 'extension.js'),
  logLevel: 'warning',
})
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce')
execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', join(ext, 'symbi-policy.vsix')], {
  cwd: ext,
  stdio: ['ignore', 'inherit', 'inherit'],
})
