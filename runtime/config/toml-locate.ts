/**
 * Finds where a table or key is written in TOML text, so that semantic errors (which the TOML
 * parser does not position) can point at a line and column. A line scanner, not a parser:
 * it understands `[table]` headers, `[[array]]` headers, bare/quoted/dotted keys at line
 * start; a `key =` line inside a multi-line string could be mistaken for a key (the parser has
 * already accepted the file, so this only affects where an error points).
 */

const PART = String.raw`(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)`
// Parts separated by `\s*.\s*`: each repetition starts with a mandatory '.', so no two
// quantifiers compete for the same characters.
const KEY_LINE = new RegExp(String.raw`^(\s*)(${PART}(?:\s*\.\s*${PART})*)\s*=`)

function splitDotted(key: string): string[] {
  const out: string[] = []
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y
  let at = 0
  while (at < key.length) {
    re.lastIndex = at
    const m = re.exec(key)
    if (m === null || m[0].length === 0) return out
    out.push(m[1] ?? m[2] ?? m[3] ?? '')
    at = re.lastIndex
  }
  return out
}

/** Offset of the header `[name]` or of the first key under it, or `undefined`. */
export function locateTable(text: string, table: string): number | undefined {
  return locate(text, (path, isHeader) => (isHeader ? path.length === 1 && path[0] === table : path[0] === table))
}

/** Offset of `key` in `[table]` (also as `table.key = …` or `[table.key]`), or `undefined`. */
export function locateKey(text: string, table: string, key: string): number | undefined {
  return locate(text, (path) => path.length >= 2 && path[0] === table && path[1] === key)
}

function locate(text: string, want: (path: string[], isHeader: boolean) => boolean): number | undefined {
  let current: string[] = []
  let offset = 0
  for (const line of text.split('\n')) {
    const header = /^(\s*)\[(\[?)([^\]]*)\]/.exec(line)
    if (header !== null) {
      const path = splitDotted(header[3] as string)
      current = header[2] === '[' ? ['[[array]]', ...path] : path
      if (want(path, true)) return offset + (header[1] as string).length
    } else {
      const kv = KEY_LINE.exec(line)
      if (kv !== null && !line.trimStart().startsWith('#')) {
        const path = [...current, ...splitDotted(kv[2] as string)]
        if (want(path, false)) return offset + (kv[1] as string).length
      }
    }
    offset += line.length + 1
  }
  return undefined
}
