import type { Parsed } from './ip.js'

/**
 * Domain names are compared as lower-case ASCII label sequences with one trailing dot removed.
 * Internationalised names are not converted: a policy must spell them in punycode (`xn--…`), and
 * a non-ASCII host in a request is refused, because converting here and again in the
 * connector could disagree.
 */

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/

/** Lower-cases, removes one trailing dot and checks the labels. */
export function normaliseDomain(text: string): Parsed<string> {
  if (/[^\x21-\x7e]/.test(text)) return { ok: false, error: `'${text}' contains whitespace or non-ASCII characters; use the punycode (xn--) form` }
  const d = (text.endsWith('.') ? text.slice(0, -1) : text).toLowerCase()
  if (d.length === 0 || d.length > 253) return { ok: false, error: `'${text}' is not a domain name (1-253 characters)` }
  const bad = d.split('.').find((l) => !LABEL.test(l))
  if (bad !== undefined) return { ok: false, error: `'${text}': label '${bad}' is not 1-63 letters, digits, '-' or '_' (not starting or ending with '-')` }
  return { ok: true, value: d }
}

/** A validated domain pattern: an exact name, or `*.suffix` matching any name strictly below the suffix. */
export interface DomainPattern {
  /** True for `*.` patterns. */
  readonly wildcard: boolean
  /** The exact name, or the suffix after `*.`. */
  readonly name: string
  /** Labels of `name`, for label-wise comparison. */
  readonly labels: readonly string[]
}

/** Parses a policy domain; `*` is only allowed as the whole first label, above a name of at least two labels. */
export function parseDomainPattern(text: string): Parsed<DomainPattern> {
  const wildcard = text.startsWith('*.')
  const rest = wildcard ? text.slice(2) : text
  if (rest.includes('*')) return { ok: false, error: `'${text}': '*' is only allowed as the whole first label ('*.example.com')` }
  const n = normaliseDomain(rest)
  if (!n.ok) return n
  const labels = n.value.split('.')
  if (wildcard && labels.length < 2) return { ok: false, error: `'${text}' would match a whole top-level domain; name at least two labels after '*.'` }
  if (labels.every((l) => /^\d+$/.test(l)) || /^(?:\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1] as string)) {
    return { ok: false, error: `'${text}' looks like an IP address; use 'cidr' for addresses` }
  }
  return { ok: true, value: { wildcard, name: n.value, labels } }
}

/** Label-wise match: `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com` or `evilexample.com`. */
export function matchDomain(pattern: DomainPattern, hostLabels: readonly string[]): boolean {
  const n = pattern.labels.length
  if (pattern.wildcard ? hostLabels.length <= n : hostLabels.length !== n) return false
  const offset = hostLabels.length - n
  for (let i = 0; i < n; i++) if (hostLabels[offset + i] !== pattern.labels[i]) return false
  return true
}
