import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'

/**
 * Writes `text` to a file opened with `flag` (e.g. `wx`: only a new file) and mode 0600, and
 * fsyncs it before returning, so a crash after this call leaves the bytes on disk.
 */
export function writeFileDurably(path: string, text: string, flag: string): void {
  const fd = openSync(path, flag, 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Writes a file atomically with mode 0600 (a temporary file, fsync, rename): a crash leaves the old text or the new. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  writeFileDurably(tmp, text, 'wx')
  try {
    renameSync(tmp, path)
  } catch (e) {
    unlinkSync(tmp)
    throw e
  }
}
