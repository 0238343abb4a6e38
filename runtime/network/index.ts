export type {
  AllowedDestination,
  CompiledDestination,
  CompiledNetworkPolicy,
  DestinationProtocol,
  EgressProtocol,
  NetworkPolicy,
  NetworkPolicyIssue,
  NetworkPolicyResult,
} from './network-policy.js'
export type { EgressDecision, EgressRequest } from './decide-egress.js'
export type { ConnectDestination } from './connect-request.js'
export type { CidrBlock, IpAddress, Parsed } from './ip.js'
export type { DomainPattern } from './domain.js'
export { compileNetworkPolicy, NetworkPolicyError, parseNetworkPolicy } from './network-policy.js'
export { decideEgress } from './decide-egress.js'
export { connectRequest } from './connect-request.js'
export { cidrContains, looksLikeIp, parseCidr, parseIp, parseIpv4, parseIpv6 } from './ip.js'
export { matchDomain, normaliseDomain, parseDomainPattern } from './domain.js'
export { egressGuard } from './egress-guard.js'
