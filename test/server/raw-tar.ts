/**
 * A minimal ustar writer for tests: it writes exactly the entries it is given, including the
 * hostile ones (absolute paths, `..`, links, devices) a real archiver would refuse to produce.
 */
import { gzipSync } from 'node:zlib'

/** One entry: `type` is the ustar typeflag ('0' file, '1' hard link, '2' symlink, '3' char device, '5' directory, '6' FIFO). */
export interface RawEntry {
  readonly name: string
  readonly type?: '0' | '1' | '2' | '3' | '4' | '5' | '6'
  readonly data?: Buffer | string
  readonly linkname?: string
}

function header(e: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(e.name, 0, 100, 'utf8')
  h.write('0000644\0', 100, 8, 'ascii')
  h.write('0000000\0', 108, 8, 'ascii')
  h.write('0000000\0', 116, 8, 'ascii')
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii')
  h.write('00000000000\0', 136, 12, 'ascii')
  h.write('        ', 148, 8, 'ascii')
  h.write(e.type ?? '0', 156, 1, 'ascii')
  if (e.linkname !== undefined) h.write(e.linkname, 157, 100, 'utf8')
  h.write('ustar\0', 257, 6, 'ascii')
  h.write('00', 263, 2, 'ascii')
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii')
  return h
}

/** A gzip'd tar of `entries`, in order. */
export function rawTarGz(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data)
    const type = e.type ?? '0'
    const size = type === '0' ? data.length : 0
    parts.push(header(e, size))
    if (size > 0) parts.push(data, Buffer.alloc((512 - (size % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(parts))
}
