import type { CidrBlock } from './ip.js'
import type { DomainPattern } from './domain.js'
import { parseCidr } from './ip.js'
import { parseDomainPattern } from './domain.js'

/** A protocol an agent asks to use. */
export type EgressProtocol = 'tcp' | 'udp' | 'https' | 'http'

/** A protocol a destination allows; `tcp` also covers `http` and `https`, which run over TCP. */
export type DestinationProtocol = EgressProtocol | 'any'

/** One allowed destination: a domain or a CIDR range, with ports and protocol. */
export interface AllowedDestination {
  /** `api.example.com` or `*.example.com` (any name strictly below example.com). */
  readonly domain?: string
  /** `10.0.0.0/8` or `2001:db8::/32`. */
  readonly cidr?: string
  /** Allowed ports; omitted means any port. */
  readonly ports?: readonly number[] | 'any'
  /** Allowed protocol; omitted means any. */
  readonly protocol?: DestinationProtocol
}

/** The `network_policy` object. */
export interface NetworkPolicy {
  /** What happens to a connection no destination allows; omitted means `deny`. */
  readonly default_action?: 'deny' | 'allow'
  /** Destinations that are allowed. */
  readonly allowed_destinations?: readonly AllowedDestination[]
}

/** A destination ready for matching. */
export interface CompiledDestination {
  /** Index in `allowed_destinations`. */
  readonly index: number
  /** The destination as written. */
  readonly source: AllowedDestination
  /** Domain pattern, for domain destinations. */
  readonly domain?: DomainPattern
  /** CIDR block, for address destinations. */
  readonly cidr?: CidrBlock
  /** Allowed ports, or `undefined` for any. */
  readonly ports?: ReadonlySet<number>
  /** Allowed protocol. */
  readonly protocol: DestinationProtocol
}

/** A validated network policy. */
export interface CompiledNetworkPolicy {
  /** Marks the compiled form. */
  readonly compiled: true
  /** Default action. */
  readonly defaultAction: 'deny' | 'allow'
  /** Destinations in order. */
  readonly destinations: readonly CompiledDestination[]
}

/** A validation problem, with the path of the offending field. */
export interface NetworkPolicyIssue {
  /** Path such as `allowed_destinations[2].cidr`. */
  readonly path: string
  /** What is wrong. */
  readonly message: string
}

/** The outcome of validating a network policy. */
export interface NetworkPolicyResult {
  /** Present when there were no issues. */
  readonly policy?: CompiledNetworkPolicy
  /** Every issue found. */
  readonly issues: readonly NetworkPolicyIssue[]
}

const PROTOCOLS: readonly DestinationProtocol[] = ['tcp', 'udp', 'https', 'http', 'any']
const POLICY_KEYS = ['default_action', 'allowed_destinations']
const DEST_KEYS = ['domain', 'cidr', 'ports', 'protocol']

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Validates a `network_policy` value (e.g. parsed JSON or TOML) and compiles it for matching. */
export function compileNetworkPolicy(value: unknown): NetworkPolicyResult {
  const issues: NetworkPolicyIssue[] = []
  const issue = (path: string, message: string): void => void issues.push({ path, message })
  if (!isPlainObject(value)) return { issues: [{ path: 'network_policy', message: 'must be an object' }] }
  for (const k of Object.keys(value)) if (!POLICY_KEYS.includes(k)) issue(k, `unknown key '${k}' (known: ${POLICY_KEYS.join(', ')})`)
  const action = value['default_action'] ?? 'deny'
  if (action !== 'deny' && action !== 'allow') issue('default_action', `must be 'deny' or 'allow', got ${JSON.stringify(action)}`)
  const list = value['allowed_destinations'] ?? []
  const destinations: CompiledDestination[] = []
  if (!Array.isArray(list)) issue('allowed_destinations', 'must be an array')
  else {
    list.forEach((d: unknown, index) => {
      const at = `allowed_destinations[${index}]`
      if (!isPlainObject(d)) return issue(at, 'must be an object')
      for (const k of Object.keys(d)) if (!DEST_KEYS.includes(k)) issue(`${at}.${k}`, `unknown key '${k}' (known: ${DEST_KEYS.join(', ')})`)
      const out: { -readonly [K in keyof CompiledDestination]?: CompiledDestination[K] } = { index, source: d as AllowedDestination }
      const hasDomain = d['domain'] !== undefined
      const hasCidr = d['cidr'] !== undefined
      if (hasDomain === hasCidr) issue(at, "needs exactly one of 'domain' or 'cidr'")
      if (hasDomain) {
        if (typeof d['domain'] !== 'string') issue(`${at}.domain`, 'must be a string')
        else {
          const p = parseDomainPattern(d['domain'])
          if (p.ok) out.domain = p.value
          else issue(`${at}.domain`, p.error)
        }
      }
      if (hasCidr) {
        if (typeof d['cidr'] !== 'string') issue(`${at}.cidr`, 'must be a string')
        else {
          const c = parseCidr(d['cidr'])
          if (c.ok) out.cidr = c.value
          else issue(`${at}.cidr`, c.error)
        }
      }
      const ports = d['ports']
      if (ports !== undefined && ports !== 'any') {
        if (!Array.isArray(ports) || ports.length === 0) issue(`${at}.ports`, "must be a non-empty array of port numbers or 'any'")
        else {
          const bad = ports.find((p: unknown) => typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535)
          if (bad !== undefined) issue(`${at}.ports`, `${JSON.stringify(bad)} is not a port number 1-65535`)
          else out.ports = new Set(ports as number[])
        }
      }
      const protocol = d['protocol'] ?? 'any'
      if (!PROTOCOLS.includes(protocol as DestinationProtocol)) issue(`${at}.protocol`, `must be one of ${PROTOCOLS.join(', ')}, got ${JSON.stringify(protocol)}`)
      out.protocol = protocol as DestinationProtocol
      destinations.push(out as CompiledDestination)
    })
  }
  if (issues.length > 0) return { issues }
  return { policy: { compiled: true, defaultAction: action as 'deny' | 'allow', destinations }, issues }
}

/** Thrown by {@link parseNetworkPolicy} with every issue in the message. */
export class NetworkPolicyError extends Error {
  override readonly name = 'NetworkPolicyError'
  constructor(readonly issues: readonly NetworkPolicyIssue[]) {
    super(`invalid network_policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
  }
}

/** Validates and compiles, throwing {@link NetworkPolicyError} on any issue. */
export function parseNetworkPolicy(value: unknown): CompiledNetworkPolicy {
  const r = compileNetworkPolicy(value)
  if (r.policy === undefined) throw new NetworkPolicyError(r.issues)
  return r.policy
}
