import type { AllowedDestination, CompiledDestination, CompiledNetworkPolicy, DestinationProtocol, EgressProtocol, NetworkPolicy } from './network-policy.js'
import type { IpAddress } from './ip.js'
import { compileNetworkPolicy } from './network-policy.js'
import { cidrContains, looksLikeIp, parseIp } from './ip.js'
import { matchDomain, normaliseDomain } from './domain.js'

/** An outbound connection an agent asks for. */
export interface EgressRequest {
  /** Host name or IP literal exactly as the agent asked for it (IPv6 may be bracketed). */
  readonly host: string
  /** Destination port 1-65535. */
  readonly port: number
  /** Protocol; omitted means `tcp`. */
  readonly protocol?: EgressProtocol
}

/** The decision on one outbound connection. */
export interface EgressDecision {
  /** True only when a destination (or `default_action: allow`) permits it. */
  readonly allowed: boolean
  /** Why, in one sentence. */
  readonly reason: string
  /** The destination that allowed it. */
  readonly rule?: { readonly index: number; readonly destination: AllowedDestination }
}

const REQUEST_PROTOCOLS: readonly string[] = ['tcp', 'udp', 'https', 'http']

function protocolAllows(allowed: DestinationProtocol, asked: EgressProtocol): boolean {
  if (allowed === 'any' || allowed === asked) return true
  return allowed === 'tcp' && (asked === 'http' || asked === 'https')
}

function compiled(policy: NetworkPolicy | CompiledNetworkPolicy): CompiledNetworkPolicy | string {
  if ('compiled' in policy && policy.compiled === true) return policy as CompiledNetworkPolicy
  // A raw object is validated on every call (no cache), so a later edit of it always takes effect;
  // hot paths should pass the result of parseNetworkPolicy instead.
  const r = compileNetworkPolicy(policy)
  return r.policy ?? `invalid network_policy: ${r.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`
}

const deny = (reason: string): EgressDecision => ({ allowed: false, reason })

/**
 * Decides one outbound connection. No DNS resolution happens here: the decision is about the
 * name the agent asked for; checking what that name resolves to (and pinning the connection to
 * it) is the connector's job, since a resolution here could differ from the one at connect
 * time. An invalid policy, a malformed host, port or protocol all deny.
 */
export function decideEgress(policy: NetworkPolicy | CompiledNetworkPolicy, request: EgressRequest): EgressDecision {
  const p = compiled(policy)
  if (typeof p === 'string') return deny(p)
  const { host, port } = request
  const protocol = request.protocol ?? 'tcp'
  if (typeof host !== 'string' || host.length === 0) return deny('malformed host: empty')
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return deny(`malformed port ${JSON.stringify(port)}: must be an integer 1-65535`)
  if (!REQUEST_PROTOCOLS.includes(protocol)) return deny(`malformed protocol ${JSON.stringify(protocol)}: must be tcp, udp, http or https`)
  let ip: IpAddress | undefined
  let labels: string[] | undefined
  if (looksLikeIp(host)) {
    const parsed = parseIp(host)
    if (!parsed.ok) return deny(`malformed IP address: ${parsed.error}`)
    ip = parsed.value
  } else {
    const d = normaliseDomain(host)
    if (!d.ok) return deny(`malformed host: ${d.error}`)
    labels = d.value.split('.')
  }
  const matches = (dest: CompiledDestination): boolean => {
    if (!protocolAllows(dest.protocol, protocol)) return false
    if (dest.ports !== undefined && !dest.ports.has(port)) return false
    if (ip !== undefined) return dest.cidr !== undefined && cidrContains(dest.cidr, ip)
    return dest.domain !== undefined && labels !== undefined && matchDomain(dest.domain, labels)
  }
  const hit = p.destinations.find(matches)
  const what = `${host}:${port}/${protocol}`
  if (hit !== undefined) {
    const d = hit.source
    return { allowed: true, reason: `${what} allowed by allowed_destinations[${hit.index}] (${d.domain ?? d.cidr})`, rule: { index: hit.index, destination: d } }
  }
  if (p.defaultAction === 'allow') return { allowed: true, reason: `${what} allowed by default_action allow` }
  return deny(`${what} matches no allowed destination; default_action is deny`)
}
