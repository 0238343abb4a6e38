/**
 * Building blocks for rules that stay linear in the line length.
 *
 * Every regex used by a built-in rule obeys three constraints, which together rule out
 * catastrophic (exponential) and polynomial backtracking:
 * 1. no quantifier applies to a group that itself contains a quantifier;
 * 2. two adjacent quantified pieces match disjoint characters (`\s*(?:\(\s*)?`, never `\s*\(?\s*`);
 * 3. an unbounded run after the start of a match cannot contain the character that starts a
 *    new match, or is bounded (`{0,200}`), so that no character is re-scanned by many starts.
 * "A somewhere before B" is written `seq(A, B)`: find the first A, then search B after it. That
 * is two linear scans, where `A.*B` would be quadratic on a line full of A's.
 */

/** A line predicate. */
export type LineTest = (line: string) => boolean

function globalCopy(re: RegExp): RegExp {
  return new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)
}

/** True when the regexes match in this order, each after the end of the previous match. */
export function seq(...parts: readonly RegExp[]): LineTest {
  const compiled = parts.map(globalCopy)
  return (line) => {
    let from = 0
    for (const re of compiled) {
      re.lastIndex = from
      const m = re.exec(line)
      if (m === null) return false
      from = m.index + m[0].length
    }
    return true
  }
}

/** True when every test holds somewhere on the line (in any order). */
export function all(...tests: readonly (RegExp | LineTest)[]): LineTest {
  const fns = tests.map(toTest)
  return (line) => fns.every((f) => f(line))
}

/** True when any test holds. */
export function any(...tests: readonly (RegExp | LineTest)[]): LineTest {
  const fns = tests.map(toTest)
  return (line) => fns.some((f) => f(line))
}

/** Wraps a regex (without the `g` flag, so `test` is stateless) as a line test. */
export function toTest(t: RegExp | LineTest): LineTest {
  if (typeof t === 'function') return t
  const re = new RegExp(t.source, t.flags.replace('g', '').replace('y', ''))
  return (line) => re.test(line)
}

/**
 * True when a verb (not directly negated by "not", "never", "n't" or "no") is followed later on
 * the line by the target. Only the first non-negated verb needs checking: any target after a
 * later verb is also after the first one.
 */
export function verbAimedAt(verbs: RegExp, target: RegExp): LineTest {
  const v = globalCopy(verbs)
  const t = globalCopy(target)
  const negation = /(?:\bnot|n't|\bnever|\bno)\s+$/i
  return (line) => {
    v.lastIndex = 0
    for (;;) {
      const m = v.exec(line)
      if (m === null) return false
      if (m[0].length === 0) v.lastIndex++
      const before = line.slice(Math.max(0, m.index - 12), m.index)
      if (negation.test(before)) continue
      t.lastIndex = m.index + m[0].length
      return t.test(line)
    }
  }
}

/** A `| sh`, `| sudo bash`, `| /bin/bash` … sink. */
export const PIPE_TO_SHELL = /\|\s*(?:sudo\s+(?:-[A-Za-z]+\s+)?)?(?:exec\s+)?(?:busybox\s+)?(?:\/usr(?:\/local)?\/bin\/|\/bin\/)?(?:env\s+)?(?:(?:ba|z|da|k|fi)?sh\b(?![-.\w])|(?:python[0-9.]{0,5}|perl|ruby|node|php|pwsh|powershell)(?:\.exe)?\s*(?:-\s*)?(?=$|[;&|)]))/

/**
 * Text fetched and handed to an interpreter without a pipe: `source <(curl …)`, `. <(wget …)`,
 * `bash <(curl …)`, `python3 -c "$(curl …)"`, `node -e "$(wget -qO- …)"`. (Interpreters other
 * than shells count only when they run stdin or the fetched text, so `| python3 -m json.tool`
 * or `| perl -pe …` are not downloads being run.)
 */
export const FETCH_TO_INTERPRETER = /(?:^|[\s;&|(])(?:source|\.|(?:ba|z|da|k)?sh|python[0-9.]{0,5}|perl|ruby|node|php)\s+(?:<\(\s*|-[ceE]\s+["']?\$\(\s*)(?:curl|wget|fetch|iwr|invoke-webrequest)\b/i

/** A word that names a shell program (basename or path). */
export const SHELL_WORD = /(?:^|\/)(?:ba|z|da|k|c|tc|fi)?sh$|^cmd(?:\.exe)?$|(?:^|\/)(?:powershell|pwsh)(?:\.exe)?$/i

/** A DNS name with at least one dot and an alphabetic last label. */
export function isDnsName(word: string): boolean {
  if (word.length > 253 || !word.includes('.')) return false
  const labels = word.replace(/\.$/, '').split('.')
  const last = labels[labels.length - 1] ?? ''
  if (!/^[A-Za-z]{2,63}$/.test(last)) return false
  return labels.every((l) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l))
}

/** A dotted-quad IPv4 address that is not loopback. */
export function isRemoteIpv4(word: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(word)
  if (m === null) return false
  if (m.slice(1).some((p) => Number(p) > 255)) return false
  return m[1] !== '127' && m[1] !== '0'
}
