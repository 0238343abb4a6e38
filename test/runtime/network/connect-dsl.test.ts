import { describe, expect, it } from 'vitest'
import { createEngine } from '../../../index.js'
import { connectRequest } from '../../../runtime/network/index.js'

const SOURCE = `policy egress {
  allow: connect(dest) if dest.port == 443 && dest.protocol == "https"
  deny:  connect(dest) if dest.host == "169.254.169.254"
}`

describe('connect(dest) in the policy language (docs/network.md example)', () => {
  it('binds the destination record as argument 0', () => {
    const engine = createEngine()
    const loaded = engine.load([{ name: 'egress.policy', source: SOURCE }])
    expect(loaded.ok).toBe(true)
    const agent = { id: 'agent-1' }
    expect(engine.evaluate(connectRequest(agent, { host: 'api.example.com', port: 443, protocol: 'https' })).effect).toBe('allow')
    expect(engine.evaluate(connectRequest(agent, { host: 'api.example.com', port: 80, protocol: 'http' })).effect).toBe('deny')
    expect(engine.evaluate(connectRequest(agent, { host: '169.254.169.254', port: 443, protocol: 'https' })).effect).toBe('deny')
  })
})
