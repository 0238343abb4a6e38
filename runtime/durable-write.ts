import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'

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
