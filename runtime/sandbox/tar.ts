/** One entry of a tar archive. */
export type TarEntry =
  | { /** Directory. */ readonly type: 'dir'; /** Path without leading slash. */ readonly path: string; /** Permission bits. */ readonly mode: number }
  | { /** Regular file. */ readonly type: 'file'; /** Path without leading slash. */ readonly path: string; /** Permission bits. */ readonly mode: number; /** Contents. */ readonly data: Uint8Array }
  | { /** Symbolic link. */ readonly type: 'symlink'; /** Path without leading slash. */ readonly path: string; /** Link target. */ readonly target: string }

const BLOCK = 512

function writeString(buf: Buffer, offset: number, length: number, value: string, field: string): void {
  const bytes = Buffer.from(value, 'utf8')
  if (bytes.length > length) throw new Error(`tar: ${field} "${value}" is longer than ${length} bytes`)
  bytes.copy(buf, offset)
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`, 'number')
}

function header(path: string, mode: number, size: number, typeflag: string, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK)
  writeString(h, 0, 100, path, 'path')
  writeOctal(h, 100, 8, mode)
  writeOctal(h, 108, 8, 0)
  writeOctal(h, 116, 8, 0)
  writeOctal(h, 124, 12, size)
  // A fixed mtime keeps the archive, and so the image digest, reproducible.
  writeOctal(h, 136, 12, 0)
  h.fill(0x20, 148, 156)
  writeString(h, 156, 1, typeflag, 'type')
  writeString(h, 157, 100, linkname, 'link target')
  writeString(h, 257, 6, 'ustar\0', 'magic')
  writeString(h, 263, 2, '00', 'version')
  writeString(h, 265, 32, 'root', 'uname')
  writeString(h, 297, 32, 'root', 'gname')
  let sum = 0
  for (const b of h) sum += b
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `, 'checksum')
  return h
}

/**
 * Writes a POSIX ustar archive owned by root:root. Small and dependency-free: the sandbox image
 * is a handful of entries and nothing else in the project needs tar.
 */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    if (e.type === 'dir') parts.push(header(e.path.endsWith('/') ? e.path : `${e.path}/`, e.mode, 0, '5', ''))
    else if (e.type === 'symlink') parts.push(header(e.path, 0o777, 0, '2', e.target))
    else {
      parts.push(header(e.path, e.mode, e.data.length, '0', ''), Buffer.from(e.data))
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK
      if (pad > 0) parts.push(Buffer.alloc(pad))
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}
