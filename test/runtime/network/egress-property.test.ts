import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decideEgress } from '../../../runtime/network/index.js'
import type { AllowedDestination, EgressProtocol, NetworkPolicy } from '../../../runtime/network/index.js'

/*
 * Differential property: decideEgress (byte-wise prefix matching on parsed text, label-wise
 * domain matching) must agree with a reference built differently: destinations are generated
 * as BigInt ranges and label lists, rendered to text in varied spellings, and the reference
 * decides on the generated numbers and strings without parsing anything.
 */

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 400)

type Fam = 4 | 6
interface Addr { fam: Fam; value: bigint; text: string }
interface RefDest { kind: 'cidr'; fam: Fam; lo: bigint; hi: bigint; ports: number[] | 'any'; protocol: string; source: AllowedDestination }
interface RefDomain { kind: 'domain'; wildcard: boolean; name: string; ports: number[] | 'any'; protocol: string; source: AllowedDestination }

const V4_BASES = [0x0a000000n, 0xc0a80100n, 0xcb007100n, 0x7f000001n]
const V6_BASES = [0x20010db8n << 96n, 0xfe80n << 112n, 0n, 0x20010db8_00010000n << 64n]

function v4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => ((v >> s) & 0xffn).toString()).join('.')
}

function v6Groups(v: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn))
}

/** Renders IPv6 in one of several spellings: full, zero-padded, compressed at a chosen zero run, upper-case. */
function v6Text(v: bigint, style: number): string {
  const g = v6Groups(v)
  let parts = g.map((x) => (style % 3 === 1 ? x.toString(16).padStart(4, '0') : x.toString(16)))
  if (style % 2 === 0) {
    // Compress the longest run of zero groups (any length ≥ 1).
    let best = [-1, 0]
    for (let i = 0; i < 8; ) {
      if (g[i] !== 0) { i++; continue }
      let j = i
      while (j < 8 && g[j] === 0) j++
      if (j - i > (best[1] as number)) best = [i, j - i]
      i = j
    }
    const [at, len] = best as [number, number]
    if (at >= 0) {
      const left = parts.slice(0, at).join(':')
      const right = parts.slice(at + len).join(':')
      parts = [`${left}::${right}`]
    }
  }
  const text = parts.join(':')
  return style % 5 === 3 ? text.toUpperCase() : text
}

const v4Addr: fc.Arbitrary<Addr> = fc.tuple(fc.constantFrom(...V4_BASES), fc.bigInt({ min: 0n, max: 0x3ffn }), fc.integer({ min: 0, max: 5 })).map(([b, off, style]) => {
  const value = (b + off) & 0xffffffffn
  const dotted = v4Text(value)
  const text = style === 0 ? `::ffff:${dotted}` : style === 1 ? `[::ffff:${dotted}]` : style === 2 ? `::FFFF:${((value >> 16n) & 0xffffn).toString(16)}:${(value & 0xffffn).toString(16)}` : dotted
  return { fam: 4 as const, value, text }
})

const v6Addr: fc.Arbitrary<Addr> = fc.tuple(fc.constantFrom(...V6_BASES), fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.integer({ min: 0, max: 29 }), fc.boolean()).map(([b, off, style, bracket]) => {
  const value = b + off
  const text = v6Text(value, style)
  return { fam: 6 as const, value, text: bracket ? `[${text}]` : text }
})

const LABELS = ['a', 'b', 'api', 'example', 'com', 'evil', 'evilexample', 'xn--bcher-kva', 'cdn']
const domainName = fc.array(fc.constantFrom(...LABELS), { minLength: 1, maxLength: 4 }).map((l) => l.join('.'))
const ports = fc.oneof(fc.constant('any' as const), fc.uniqueArray(fc.constantFrom(22, 53, 80, 443, 8080), { minLength: 1, maxLength: 3 }))
const ruleProtocol = fc.constantFrom('tcp', 'udp', 'https', 'http', 'any')
const askProtocol = fc.constantFrom<EgressProtocol>('tcp', 'udp', 'https', 'http')

const cidrDest = fc.tuple(fc.oneof(v4Addr, v6Addr), fc.integer({ min: 0, max: 128 }), ports, ruleProtocol, fc.integer({ min: 0, max: 9 })).map(([a, p, pts, proto, style]): RefDest => {
  const bits = a.fam === 4 ? 32 : 128
  const prefix = p % (bits + 1)
  const size = 1n << BigInt(bits - prefix)
  const lo = (a.value / size) * size
  const text = a.fam === 4 ? v4Text(lo) : v6Text(lo, style)
  const source: AllowedDestination = { cidr: `${text}/${prefix}`, ports: pts, protocol: proto as AllowedDestination['protocol'] & string }
  return { kind: 'cidr', fam: a.fam, lo, hi: lo + size - 1n, ports: pts, protocol: proto, source }
})

const domainDest = fc.tuple(fc.boolean(), domainName, ports, ruleProtocol).filter(([w, n]) => !w || n.includes('.')).map(([wildcard, name, pts, proto]): RefDomain => ({
  kind: 'domain', wildcard, name, ports: pts, protocol: proto,
  source: { domain: wildcard ? `*.${name}` : name, ports: pts, protocol: proto as AllowedDestination['protocol'] & string },
}))

const hostDomain = fc.tuple(domainName, fc.boolean(), fc.boolean()).map(([n, upper, dot]) => ({ name: n, text: `${upper ? n.toUpperCase() : n}${dot ? '.' : ''}` }))

function refProtocol(rule: string, asked: string): boolean {
  const table: Record<string, string[]> = { any: ['tcp', 'udp', 'http', 'https'], tcp: ['tcp', 'http', 'https'], udp: ['udp'], http: ['http'], https: ['https'] }
  return (table[rule] ?? []).includes(asked)
}

function refAllowed(dests: (RefDest | RefDomain)[], defaultAllow: boolean, host: { ip?: Addr; name?: string }, port: number, protocol: string): boolean {
  for (const d of dests) {
    if (!refProtocol(d.protocol, protocol)) continue
    if (d.ports !== 'any' && !d.ports.includes(port)) continue
    if (d.kind === 'cidr') {
      if (host.ip !== undefined && host.ip.fam === d.fam && host.ip.value >= d.lo && host.ip.value <= d.hi) return true
    } else if (host.name !== undefined) {
      if (d.wildcard ? host.name.endsWith(`.${d.name}`) : host.name === d.name) return true
    }
  }
  return defaultAllow
}

type Host = { ip: Addr } | { dom: { name: string; text: string } }

function addrFromValue(fam: Fam, value: bigint, style: number): Addr | undefined {
  const max = fam === 4 ? 0xffffffffn : (1n << 128n) - 1n
  if (value < 0n || value > max) return undefined
  if (fam === 4) return { fam, value, text: style % 2 === 0 ? v4Text(value) : `::ffff:${v4Text(value)}` }
  // Skip values inside ::ffff:0:0/96: as text they denote IPv4 addresses.
  if (value >> 32n === 0xffffn) return undefined
  return { fam, value, text: v6Text(value, style) }
}

/** Hosts near the allow-list's edges: range ends and their neighbours, sub-, sibling- and look-alike names. */
function nearHosts(dests: (RefDest | RefDomain)[]): fc.Arbitrary<Host>[] {
  const out: fc.Arbitrary<Host>[] = []
  for (const d of dests) {
    if (d.kind === 'cidr') {
      for (const v of [d.lo, d.hi, d.lo - 1n, d.hi + 1n]) {
        // Values outside the family's range (or in the mapped block) are dropped up front; a
        // filter that can never pass would make fast-check retry forever.
        if (addrFromValue(d.fam, v, 0) === undefined) continue
        out.push(fc.integer({ min: 0, max: 29 }).map((style) => ({ ip: addrFromValue(d.fam, v, style) as Addr })))
      }
    } else {
      const variants = [d.name, `x.${d.name}`, `a.b.${d.name}`, `evil${d.name}`, `${d.name}.evil`, d.name.slice(d.name.indexOf('.') + 1)]
      out.push(fc.constantFrom(...variants).map((name) => ({ dom: { name, text: name } })))
    }
  }
  return out
}

describe('egress property: nothing outside the allow-list is allowed', () => {
  it('agrees with an independent BigInt-range and string-suffix reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(cidrDest, domainDest), { maxLength: 6 }).chain((dests) =>
          fc.tuple(fc.constant(dests), fc.oneof(v4Addr.map((ip): Host => ({ ip })), v6Addr.map((ip): Host => ({ ip })), hostDomain.map((h): Host => ({ dom: h })), ...nearHosts(dests))),
        ),
        fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
        fc.constantFrom(22, 53, 80, 443, 8080),
        askProtocol,
        ([dests, host], defaultAllow, port, protocol) => {
          const policy: NetworkPolicy = { default_action: defaultAllow ? 'allow' : 'deny', allowed_destinations: dests.map((d) => d.source) }
          const text = 'ip' in host ? host.ip.text : host.dom.text
          const d = decideEgress(policy, { host: text, port, protocol })
          const expected = refAllowed(dests, defaultAllow, 'ip' in host ? { ip: host.ip } : { name: host.dom.name }, port, protocol)
          expect(d.allowed, `${text}:${port}/${protocol} vs ${JSON.stringify(policy)} (${d.reason})`).toBe(expected)
          if (d.allowed && !defaultAllow) expect(d.rule).toBeDefined()
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('never allows a malformed host, whatever the allow-list', () => {
    const malformed = fc.constantFrom('10.0.0', '10.0.0.0.1', '010.0.0.1', '0x0a000001', '4294967295', '1::2::3', '::ffff:10.0.0.256', 'a..example', '-a.example', 'a b', 'ex\u00e4mple.com', '[::1', '2001:db8::1%lo')
    fc.assert(
      fc.property(fc.array(fc.oneof(cidrDest, domainDest), { maxLength: 6 }), malformed, (dests, host) => {
        const policy: NetworkPolicy = { default_action: 'allow', allowed_destinations: [...dests.map((d) => d.source), { cidr: '0.0.0.0/0' }, { cidr: '::/0' }] }
        expect(decideEgress(policy, { host, port: 443 }).allowed).toBe(false)
      }),
      { numRuns: Math.min(RUNS, 200) },
    )
  })
})
