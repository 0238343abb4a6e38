/**
 * Reading a file named by a user, safely: only regular files are read. A FIFO, socket or
 * device given as a policy, request or key file would block `readFileSync` forever (a FIFO with
 * no writer) or read endless data (`/dev/zero`); it is refused with a message naming the path.
 * The file is opened non-blocking and checked with `fstat` on the opened descriptor, so it
 * cannot be swapped for a FIFO between the check and the read.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs'

/** A file that cannot be read, with a message that names it and says why. */
export class FileReadError extends Error {
  override readonly name = 'FileReadError'
  constructor(
    /** The path as given. */
    readonly path: string,
    /** Why, in words: `no such file or directory`, `a symlink loop`, `not a regular file (a FIFO)`, … */
    readonly why: string,
  ) {
    super(`cannot read '${path}': ${why}`)
  }
}

/** Words for the file-system errors a user can cause by naming a path. */
export function describeFsError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory'
    case 'ELOOP':
      return 'too many levels of symbolic links (a symlink loop)'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ENOTDIR':
      return 'a path component is not a directory'
    case 'EISDIR':
      return 'is a directory'
    case 'ENAMETOOLONG':
      return 'the path is too long'
    default:
      return e instanceof Error ? e.message : String(e)
  }
}

/** What kind of non-regular file a stat describes. */
function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}

/** Reads a regular file as UTF-8; throws `FileReadError` for anything else. */
export function readRegularFileSync(path: string, shownAs: string = path): string {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    throw new FileReadError(shownAs, describeFsError(e))
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new FileReadError(shownAs, `${kindOf(st)}, not a regular file`)
    return readFileSync(fd, 'utf8')
  } catch (e) {
    if (e instanceof FileReadError) throw e
    throw new FileReadError(shownAs, describeFsError(e))
  } finally {
    closeSync(fd)
  }
}
