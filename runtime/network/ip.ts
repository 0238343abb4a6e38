/**
 * IP address and CIDR parsing into bytes. Deliberately strict: anything a resolver might read
 * in an unexpected way (`127.1`, `0x7f.0.0.1`, `010.0.0.1`, zone ids) is malformed, so that the
 * address we match is the address the connector will dial.
 */

/** A parsed address: 4 bytes (IPv4, including IPv4-mapped IPv6) or 16 bytes (IPv6). */
export interface IpAddress {
  /** Address family after unmapping `::ffff:a.b.c.d`. */
  readonly family: 4 | 6
  /** Network-order bytes. */
  readonly bytes: Uint8Array
}

/** A parsed CIDR block. */
export interface CidrBlock {
  /** Address family of the block. */
  readonly family: 4 | 6
  /** Network-order bytes of the network address (host bits zero). */
  readonly bytes: Uint8Array
  /** Prefix length in bits. */
  readonly prefix: number
}

/** Parse outcome: the value, or why the text is not one. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string }

const fail = <T>(error: string): Parsed<T> => ({ ok: false, error })

/** Parses strict dotted-quad IPv4 (four decimal parts 0-255, no leading zeros). */
export function parseIpv4(text: string): Parsed<Uint8Array> {
  const parts = text.split('.')
  if (parts.length !== 4) return fail(`'${text}' is not a dotted-quad IPv4 address`)
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return fail(`'${text}': part '${p}' is not a decimal number 0-255 without leading zeros`)
    bytes[i] = Number(p)
  }
  return { ok: true, value: bytes }
}

/** Parses IPv6 text (with at most one `::` and an optional trailing dotted quad); no zone ids. */
export function parseIpv6(text: string): Parsed<Uint8Array> {
  if (text.includes('%')) return fail(`'${text}': zone ids are not accepted`)
  const halves = text.split('::')
  if (halves.length > 2) return fail(`'${text}': '::' may appear only once`)
  const parseGroups = (s: string, allowV4Tail: boolean): Parsed<number[]> => {
    if (s === '') return { ok: true, value: [] }
    const raw = s.split(':')
    const groups: number[] = []
    for (let i = 0; i < raw.length; i++) {
      const g = raw[i] as string
      if (allowV4Tail && i === raw.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g)
        if (!v4.ok) return fail(v4.error)
        const b = v4.value
        groups.push(((b[0] as number) << 8) | (b[1] as number), ((b[2] as number) << 8) | (b[3] as number))
        continue
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return fail(`'${text}': group '${g}' is not 1-4 hex digits`)
      groups.push(parseInt(g, 16))
    }
    return { ok: true, value: groups }
  }
  const left = parseGroups(halves[0] as string, halves.length === 1)
  if (!left.ok) return left
  const right = halves.length === 2 ? parseGroups(halves[1] as string, true) : ({ ok: true, value: [] } as const)
  if (!right.ok) return right
  const total = left.value.length + right.value.length
  if (halves.length === 1 && total !== 8) return fail(`'${text}': expected 8 groups, got ${total}`)
  if (halves.length === 2 && total > 7) return fail(`'${text}': '::' must stand for at least one group`)
  const groups = [...left.value, ...new Array<number>(8 - total).fill(0), ...right.value]
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8
    bytes[2 * i + 1] = g & 0xff
  })
  return { ok: true, value: bytes }
}

/** True for `::ffff:0:0/96` addresses. */
function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false
  return b[10] === 0xff && b[11] === 0xff
}

/**
 * True when a host should be treated as an IP literal rather than a DNS name: it contains `:`
 * or `[`, consists of digits and dots, or has a last label that is numeric or hex (`0x…`), which
 * URL parsers and `inet_aton` read as IPv4.
 */
export function looksLikeIp(host: string): boolean {
  if (host.includes(':') || host.startsWith('[')) return true
  const h = host.endsWith('.') ? host.slice(0, -1) : host
  const last = h.slice(h.lastIndexOf('.') + 1)
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/i.test(last)
}

/** Parses an IP literal (brackets allowed around IPv6); IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): Parsed<IpAddress> {
  let t = text
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1)
  if (t.includes(':')) {
    const v6 = parseIpv6(t)
    if (!v6.ok) return v6
    if (isMapped(v6.value)) return { ok: true, value: { family: 4, bytes: v6.value.slice(12) } }
    return { ok: true, value: { family: 6, bytes: v6.value } }
  }
  const v4 = parseIpv4(t)
  return v4.ok ? { ok: true, value: { family: 4, bytes: v4.value } } : v4
}

/**
 * Parses `address/prefix`. Host bits must be zero. An IPv6 block inside `::ffff:0:0/96` is
 * turned into the equivalent IPv4 block, matching how addresses are unmapped.
 */
export function parseCidr(text: string): Parsed<CidrBlock> {
  const slash = text.indexOf('/')
  if (slash < 0) return fail(`'${text}' has no '/prefix'`)
  const addrText = text.slice(0, slash)
  const prefixText = text.slice(slash + 1)
  if (!/^(?:0|[1-9]\d{0,2})$/.test(prefixText)) return fail(`'${text}': prefix '${prefixText}' is not a decimal number`)
  const prefix = Number(prefixText)
  const v6 = addrText.includes(':')
  const parsed = v6 ? parseIpv6(addrText) : parseIpv4(addrText)
  if (!parsed.ok) return parsed
  const bits = v6 ? 128 : 32
  if (prefix > bits) return fail(`'${text}': prefix /${prefix} is longer than ${bits} bits`)
  const masked = maskBytes(parsed.value, prefix)
  if (!masked.every((b, i) => b === parsed.value[i])) {
    return fail(`'${text}' has host bits set; did you mean '${formatBytes(masked, v6)}/${prefix}'?`)
  }
  if (v6 && prefix >= 96 && isMapped(masked)) return { ok: true, value: { family: 4, bytes: masked.slice(12), prefix: prefix - 96 } }
  return { ok: true, value: { family: v6 ? 6 : 4, bytes: masked, prefix } }
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i))
    out[i] = (bytes[i] as number) & ((0xff00 >> keep) & 0xff)
  }
  return out
}

function formatBytes(b: Uint8Array, v6: boolean): string {
  if (!v6) return [...b].join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16))
  return groups.join(':')
}

/** True when the address lies in the block (same family, first `prefix` bits equal). */
export function cidrContains(block: CidrBlock, addr: IpAddress): boolean {
  if (block.family !== addr.family) return false
  const full = block.prefix >> 3
  for (let i = 0; i < full; i++) if (block.bytes[i] !== addr.bytes[i]) return false
  const rest = block.prefix & 7
  if (rest === 0) return true
  const mask = (0xff00 >> rest) & 0xff
  return ((addr.bytes[full] as number) & mask) === block.bytes[full]
}
