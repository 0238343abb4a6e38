import type { AuthzRequest, Entity } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import { callerContext, setAuthoritative } from './caller-context.js'
import type { Authorization, Enforced, Enforcer } from './enforcer.js'
import { EnforcementInputError } from './resource-access.js'

/** The inter-agent verbs this point guards; each is also the request's action name. */
export type RoutingVerb = 'ask' | 'delegate' | 'send_to' | 'parallel' | 'race'

/** A recipient and topic of a routed message. */
export interface RouteTarget {
  /** Receiving agent id. */
  readonly recipient: string
  /** Message topic. */
  readonly topic: string
}

/** One routed message: who sends, to whom, about what, on which channel. */
export interface Route extends RouteTarget {
  /** Sending agent id. */
  readonly sender: string
  /**
   * The channel the message travels on; the request's `context.channel` (SEMANTICS.md §6:
   * channel policies apply only to messages on their channel). Never taken from `context`.
   */
  readonly channel?: string
  /**
   * The message's data classification (`public`, `secret`, …): the request's
   * `context.classification`, which a channel's `data_classification` block is checked against.
   */
  readonly classification?: string
  /** Further request context (reserved keys are refused, see caller-context.ts). */
  readonly context?: ValueRecord
}

/** The result of `parallel`: one value and one authorization per target, in target order. */
export interface ParallelResult<T> {
  /** What each started operation returned. */
  readonly values: readonly T[]
  /** The authorization of each target. */
  readonly authorizations: readonly Authorization[]
}

/** The result of `race`: the first value to settle, and every target's authorization. */
export interface RaceResult<T> {
  /** What the first operation to settle returned. */
  readonly value: T
  /** The authorization of each target. */
  readonly authorizations: readonly Authorization[]
}

/**
 * Guards inter-agent messaging. The request is `<verb>` by the sender (principal) on the
 * recipient (resource, argument 0), with `{ sender, recipient, topic }` in the context so
 * that guards such as `sender == "worker"` resolve. `parallel` and `race` authorize every
 * target before starting any: one refused target means none is started.
 */
export class MessageRouter {
  constructor(private readonly enforcer: Enforcer) {}

  /** Asks `recipient` and waits for its answer. */
  async ask<T>(route: Route, run: (auth: Authorization) => T | Promise<T>): Promise<Enforced<T>> {
    return this.enforcer.guard(this.point('ask', route), run)
  }

  /** Delegates a task to `recipient`. */
  async delegate<T>(route: Route, run: (auth: Authorization) => T | Promise<T>): Promise<Enforced<T>> {
    return this.enforcer.guard(this.point('delegate', route), run)
  }

  /** Sends a one-way message to `recipient`. */
  async sendTo<T>(route: Route, run: (auth: Authorization) => T | Promise<T>): Promise<Enforced<T>> {
    return this.enforcer.guard(this.point('send_to', route), run)
  }

  /** Authorizes every target, then starts all of them and waits for all. */
  async parallel<T>(sender: string, targets: readonly RouteTarget[], start: (target: RouteTarget, auth: Authorization) => Promise<T>, context?: ValueRecord, channel?: string, classification?: string): Promise<ParallelResult<T>> {
    const authorizations = await this.authorizeAll('parallel', sender, targets, context, channel, classification)
    const values = await Promise.all(targets.map((t, i) => start(t, authorizations[i] as Authorization)))
    return { values, authorizations }
  }

  /** Authorizes every target, then starts all of them and returns the first to settle. */
  async race<T>(sender: string, targets: readonly RouteTarget[], start: (target: RouteTarget, auth: Authorization) => Promise<T>, context?: ValueRecord, channel?: string, classification?: string): Promise<RaceResult<T>> {
    const authorizations = await this.authorizeAll('race', sender, targets, context, channel, classification)
    const value = await Promise.race(targets.map((t, i) => start(t, authorizations[i] as Authorization)))
    return { value, authorizations }
  }

  private async authorizeAll(verb: 'parallel' | 'race', sender: string, targets: readonly RouteTarget[], context: ValueRecord | undefined, channel: string | undefined, classification: string | undefined): Promise<Authorization[]> {
    if (!Array.isArray(targets) || targets.length === 0) throw new EnforcementInputError(`${verb}: expected at least one target`)
    // Field by field: a target is a recipient and a topic, nothing more. `{ sender, ...target }`
    // let a target carrying `sender` or `context` replace the real ones (issue 9, item 1).
    const points = targets.map((t) => {
      if (typeof t !== 'object' || t === null) throw new EnforcementInputError(`${verb}: every target must be a { recipient, topic } record`)
      const route: { -readonly [K in keyof Route]: Route[K] } = { sender, recipient: t.recipient, topic: t.topic }
      if (context !== undefined) route.context = context
      if (channel !== undefined) route.channel = channel
      if (classification !== undefined) route.classification = classification
      return this.point(verb, route)
    })
    const out: Authorization[] = []
    for (const p of points) out.push(await this.enforcer.authorize(p))
    return out
  }

  private point(verb: RoutingVerb, route: Route): { point: 'message_routing'; agentId: string; auditType: 'message'; details: ValueRecord; request: AuthzRequest } {
    for (const field of ['sender', 'recipient', 'topic'] as const) {
      if (typeof route?.[field] !== 'string' || (field !== 'topic' && route[field] === '')) throw new EnforcementInputError(`${verb}: ${field} must be a ${field === 'topic' ? '' : 'non-empty '}string`)
    }
    const channel = route.channel
    if (channel !== undefined && (typeof channel !== 'string' || channel === '')) throw new EnforcementInputError(`${verb}: channel must be a non-empty string when given`)
    const principal: Entity = { id: route.sender, type: 'agent' }
    const resource: Entity = { id: route.recipient, type: 'agent' }
    const classification = route.classification
    if (classification !== undefined && (typeof classification !== 'string' || classification === '')) throw new EnforcementInputError(`${verb}: classification must be a non-empty string when given`)
    const context = callerContext(route.context, verb, ['sender', 'recipient', 'topic', 'classification'])
    setAuthoritative(context, 'sender', route.sender)
    setAuthoritative(context, 'recipient', route.recipient)
    setAuthoritative(context, 'topic', route.topic)
    if (channel !== undefined) setAuthoritative(context, 'channel', channel)
    if (classification !== undefined) setAuthoritative(context, 'classification', classification)
    const details: Record<string, Value> = { verb, sender: route.sender, recipient: route.recipient, topic: route.topic }
    if (channel !== undefined) details['channel'] = channel
    if (classification !== undefined) details['classification'] = classification
    return {
      point: 'message_routing',
      agentId: route.sender,
      auditType: 'message',
      details,
      request: { principal, action: { name: verb, args: [resource] }, resource, context },
    }
  }
}
