// Generated policy text for the benches: deterministic (seeded), shaped like the seed's rules.
/** Deterministic generator (mulberry32) so every run measures the same text. */
export function rng(seed) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ACTIONS = ['read', 'write', 'export', 'transform', 'aggregate', 'allocate', 'delegate', 'send_to', 'ingest', 'summarize']
const SUBJECTS = ['data', 'doc', 'resources', 'datasets', 'report', 'task', 'event', 'message']
const ATTRS = ['classification', 'clearance', 'mfa_verified', 'risk', 'priority', 'team', 'role', 'contains_pii', 'privacy_level', 'remaining']

/** Rules shaped like the seed's three policies, with some variety. */
export function makeRule(r) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const path = () => `${pick(['user', 'session', 'data', 'operation', 'system', 'sender', 'resource'])}.${pick(ATTRS)}`
  const cmp = () => `${path()} ${pick(['<=', '>=', '==', '!=', '<', '>'])} ${pick([path(), '"secret"', '0.5', '3', 'true', '30s', '7d'])}`
  switch (Math.floor(r() * 7)) {
    case 0:
      return `    allow: ${pick(ACTIONS)}(${pick(SUBJECTS)}) if (\n        ${cmp()} &&\n        user.need_to_know.contains(data.${pick(ATTRS)}) &&\n        ${cmp()}\n    )`
    case 1:
      return `    deny: ${pick(ACTIONS)}(${pick(SUBJECTS)}) if ${path()} == true || ${cmp()}`
    case 2:
      return `    deny: aggregate(datasets) if any(datasets, d => d.privacy_level > operation.privacy_budget)`
    case 3:
      return `    require: [user.background_check.current, session.secure_connection, audit_trail = "detailed"]`
    case 4:
      return `    require: ${pick(['supervisor_approval', 'differential_privacy', 'mfa'])} for ${pick(['high_memory_operations', 'statistical_operations', 'exports'])}`
    case 5:
      return `    audit: all_operations with digital_signature // keep for ${Math.floor(r() * 90)} days`
    default:
      return `    allow: ${pick(ACTIONS)}(${pick(SUBJECTS)}) if ${path()} in ["${pick(ATTRS)}", "${pick(ATTRS)}"] && !${path()}`
  }
}

/** A file of `rules` rules in policies of 8 rules each. */
export function makeFile(rules, seed = 1) {
  const r = rng(seed)
  const out = []
  for (let i = 0; i < rules; i += 8) {
    out.push(`# generated policy ${i / 8}`, `policy p${i / 8} {`)
    for (let j = i; j < Math.min(rules, i + 8); j++) out.push(makeRule(r))
    out.push('}', '')
  }
  return out.join('\n')
}
