import type { AuthzRequest, Entity } from '../../stdlib/decision.js'
import type { ValueRecord } from '../../stdlib/value.js'
import type { EgressProtocol } from './network-policy.js'

/** Where an agent wants to connect. */
export interface ConnectDestination {
  /** Host name or IP literal. */
  readonly host: string
  /** Port. */
  readonly port: number
  /** Protocol; omitted means `tcp`. */
  readonly protocol?: EgressProtocol
}

/**
 * Builds the request for the DSL action `connect(dest)`. Argument 0 and the resource are the
 * same record, so `allow: connect(dest) if dest.port == 443` and guards on `resource.host`
 * both work.
 */
export function connectRequest(principal: Entity, dest: ConnectDestination, context?: ValueRecord): AuthzRequest {
  const protocol = dest.protocol ?? 'tcp'
  const arg = { id: dest.host, host: dest.host, port: dest.port, protocol }
  const req: { -readonly [K in keyof AuthzRequest]: AuthzRequest[K] } = {
    principal,
    action: { name: 'connect', args: [arg] },
    resource: { id: dest.host, type: 'network', host: dest.host, port: dest.port, protocol },
  }
  if (context !== undefined) req.context = context
  return req
}
