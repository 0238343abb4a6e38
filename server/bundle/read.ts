/**
 * Reads a bundle archive (tar, gzip'd or not) into memory, refusing anything a bundle has no
 * business holding: absolute paths, `..`, links, devices, FIFOs, duplicate names and more data
 * than the limits allow. Nothing is ever extracted to disk, so a hostile archive cannot write
 * outside a directory: it can only be refused.
 */
import { Parser, type ReadEntry } from 'tar'
import { BundleError } from './errors.js'

/** Limits on what one bundle may hold. */
export interface ReadLimits {
  /** Sum of the files' sizes; default 64 MiB. */
  readonly maxBytes?: number
  /** Number of files; default 10,000. */
  readonly maxFiles?: number
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024
const DEFAULT_MAX_FILES = 10_000

/** Why a path inside an archive is unsafe, or undefined when it is a plain relative path. */
export function unsafePath(path: string): string | undefined {
  if (path === '') return 'an empty name'
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'an absolute path'
  if (path.includes('\\')) return 'a backslash in the name'
  if (path.includes('\0')) return 'a NUL in the name'
  const segments = path.split('/')
  if (segments.some((s) => s === '..')) return "a '..' segment"
  return undefined
}

/** Strips a `./` prefix and a trailing `/`, the two spellings tar writers add. */
function plain(path: string): string {
  let p = path
  while (p.startsWith('./')) p = p.slice(2)
  if (p.endsWith('/')) p = p.slice(0, -1)
  return p
}

/** The archive's regular files by path. Throws {@link BundleError} for anything unsafe or unreadable. */
export async function readBundleArchive(bytes: Uint8Array, limits: ReadLimits = {}): Promise<Map<string, Buffer>> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES
  const maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES
  const files = new Map<string, Buffer>()
  let total = 0
  let refusal: BundleError | undefined
  const parser = new Parser({
    strict: true,
    maxMetaEntrySize: 64 * 1024,
    onReadEntry: (entry: ReadEntry) => {
      if (refusal !== undefined) return void entry.resume()
      const refuse = (e: BundleError): void => {
        refusal = e
        entry.resume()
        parser.abort(e)
      }
      const why = unsafePath(entry.path)
      if (why !== undefined) return refuse(new BundleError('BUNDLE_UNSAFE_ENTRY', `bundle entry '${entry.path}' has ${why}`))
      const path = plain(entry.path)
      if (entry.type === 'Directory') return void entry.resume()
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        return refuse(new BundleError('BUNDLE_UNSAFE_ENTRY', `bundle entry '${path}' is a ${entry.type}; a bundle holds regular files only`))
      }
      if (files.has(path)) return refuse(new BundleError('BUNDLE_UNSAFE_ENTRY', `bundle entry '${path}' appears twice`))
      if (files.size >= maxFiles) return refuse(new BundleError('BUNDLE_TOO_LARGE', `bundle holds more than ${maxFiles} files`))
      const size = entry.size ?? 0
      total += size
      if (total > maxBytes) return refuse(new BundleError('BUNDLE_TOO_LARGE', `bundle files add up to more than ${maxBytes} bytes`))
      const chunks: Buffer[] = []
      entry.on('data', (c: Buffer) => chunks.push(c))
      entry.on('end', () => void files.set(path, Buffer.concat(chunks)))
    },
  })
  await new Promise<void>((resolve, reject) => {
    parser.on('error', (e: unknown) => reject(e))
    parser.on('abort', (e: unknown) => reject(e))
    parser.on('close', () => resolve())
    parser.on('end', () => resolve())
    try {
      parser.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    } catch (e) {
      reject(e)
    }
  }).catch((e: unknown) => {
    if (refusal !== undefined) throw refusal
    if (e instanceof BundleError) throw e
    throw new BundleError('BUNDLE_UNREADABLE', `bundle is not a readable tar archive: ${e instanceof Error ? e.message : String(e)}`)
  })
  if (refusal !== undefined) throw refusal
  return files
}
