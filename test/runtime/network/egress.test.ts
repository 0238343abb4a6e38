import { describe, expect, it } from 'vitest'
import { compileNetworkPolicy, connectRequest, decideEgress, parseCidr, parseIp, parseNetworkPolicy, NetworkPolicyError } from '../../../runtime/network/index.js'
import type { EgressRequest, NetworkPolicy } from '../../../runtime/network/index.js'

const policy: NetworkPolicy = {
  default_action: 'deny',
  allowed_destinations: [
    { domain: 'api.example.com', ports: [443], protocol: 'https' },
    { domain: '*.cdn.example.net', ports: 'any', protocol: 'tcp' },
    { cidr: '10.0.0.0/8', ports: [5432] },
    { cidr: '2001:db8::/32', ports: [443, 8443], protocol: 'https' },
    { cidr: '192.168.1.128/25', protocol: 'udp' },
  ],
}

const cases: [EgressRequest, boolean, RegExp][] = [
  [{ host: 'api.example.com', port: 443, protocol: 'https' }, true, /allowed_destinations\[0\]/],
  [{ host: 'API.Example.COM.', port: 443, protocol: 'https' }, true, /\[0\]/],
  [{ host: 'api.example.com', port: 80, protocol: 'http' }, false, /default_action is deny/],
  [{ host: 'api.example.com', port: 443, protocol: 'tcp' }, false, /no allowed destination/],
  [{ host: 'evil-api.example.com', port: 443, protocol: 'https' }, false, /no allowed/],
  [{ host: 'api.example.com.evil.io', port: 443, protocol: 'https' }, false, /no allowed/],
  [{ host: 'img.cdn.example.net', port: 8080, protocol: 'http' }, true, /\[1\]/],
  [{ host: 'a.b.cdn.example.net', port: 443, protocol: 'https' }, true, /\[1\]/],
  [{ host: 'cdn.example.net', port: 443, protocol: 'https' }, false, /no allowed/],
  [{ host: 'evilcdn.example.net', port: 443, protocol: 'https' }, false, /no allowed/],
  [{ host: 'x.evilcdn.example.net', port: 443 }, false, /no allowed/],
  [{ host: 'img.cdn.example.net', port: 53, protocol: 'udp' }, false, /no allowed/],
  [{ host: '10.1.2.3', port: 5432 }, true, /\[2\]/],
  [{ host: '10.1.2.3', port: 5433 }, false, /no allowed/],
  [{ host: '::ffff:10.1.2.3', port: 5432 }, true, /\[2\]/],
  [{ host: '[::ffff:a01:203]', port: 5432 }, true, /\[2\]/],
  [{ host: '11.0.0.1', port: 5432 }, false, /no allowed/],
  [{ host: '2001:db8:0:0::1', port: 443, protocol: 'https' }, true, /\[3\]/],
  [{ host: '[2001:DB8::abcd]', port: 8443, protocol: 'https' }, true, /\[3\]/],
  [{ host: '2001:db9::1', port: 443, protocol: 'https' }, false, /no allowed/],
  [{ host: '192.168.1.200', port: 53, protocol: 'udp' }, true, /\[4\]/],
  [{ host: '192.168.1.100', port: 53, protocol: 'udp' }, false, /no allowed/],
  // Malformed or ambiguous hosts are denied with a reason, never matched loosely.
  [{ host: '10.1.2', port: 5432 }, false, /malformed IP/],
  [{ host: '010.1.2.3', port: 5432 }, false, /malformed IP/],
  [{ host: '0x0a.1.2.3', port: 5432 }, false, /malformed IP/],
  [{ host: '167772161', port: 5432 }, false, /malformed IP/],
  [{ host: '10.1.2.256', port: 5432 }, false, /malformed IP/],
  [{ host: '1::2::3', port: 443, protocol: 'https' }, false, /malformed IP/],
  [{ host: 'fe80::1%eth0', port: 443 }, false, /zone ids/],
  [{ host: '', port: 443 }, false, /empty/],
  [{ host: 'api example.com', port: 443, protocol: 'https' }, false, /malformed host/],
  [{ host: 'bücher.example.com', port: 443, protocol: 'https' }, false, /punycode/],
  [{ host: 'api.example.com', port: 0, protocol: 'https' }, false, /malformed port/],
  [{ host: 'api.example.com', port: 443.5, protocol: 'https' }, false, /malformed port/],
  [{ host: 'api.example.com', port: 443, protocol: 'ftp' as never }, false, /malformed protocol/],
]

describe('decideEgress', () => {
  it.each(cases)('%j → %s', (req, allowed, reason) => {
    const d = decideEgress(policy, req)
    expect(d.allowed).toBe(allowed)
    expect(d.reason).toMatch(reason)
    expect(d.rule !== undefined).toBe(allowed)
  })

  it('gives the same answers with a compiled policy', () => {
    const compiled = parseNetworkPolicy(policy)
    for (const [req, allowed] of cases) expect(decideEgress(compiled, req).allowed).toBe(allowed)
  })

  it('default_action allow permits well-formed requests but still denies malformed ones', () => {
    const open: NetworkPolicy = { default_action: 'allow', allowed_destinations: [] }
    expect(decideEgress(open, { host: 'anything.example', port: 1 })).toEqual({ allowed: true, reason: 'anything.example:1/tcp allowed by default_action allow' })
    expect(decideEgress(open, { host: '127.1', port: 80 }).allowed).toBe(false)
  })

  it('treats a missing default_action as deny and an invalid policy as deny', () => {
    expect(decideEgress({}, { host: 'a.example', port: 1 }).allowed).toBe(false)
    const d = decideEgress({ default_action: 'allow', allowed_destinations: [{ domain: '*.com' }] }, { host: 'a.com', port: 1 })
    expect(d.allowed).toBe(false)
    expect(d.reason).toMatch(/^invalid network_policy: allowed_destinations\[0\]\.domain: .*top-level/)
  })
})

describe('network_policy validation', () => {
  const issue = (v: unknown): string[] => compileNetworkPolicy(v).issues.map((i) => `${i.path}: ${i.message}`)

  it.each([
    [{ default_action: 'block' }, /default_action: must be 'deny' or 'allow'/],
    [{ default_acton: 'deny' }, /default_acton: unknown key/],
    [{ allowed_destinations: {} }, /allowed_destinations: must be an array/],
    [{ allowed_destinations: [{ ports: [1] }] }, /exactly one of 'domain' or 'cidr'/],
    [{ allowed_destinations: [{ domain: 'a.example', cidr: '10.0.0.0/8' }] }, /exactly one/],
    [{ allowed_destinations: [{ domain: 'a.*.example' }] }, /only allowed as the whole first label/],
    [{ allowed_destinations: [{ domain: '10.0.0.1' }] }, /looks like an IP address; use 'cidr'/],
    [{ allowed_destinations: [{ domain: '-bad.example' }] }, /label '-bad'/],
    [{ allowed_destinations: [{ cidr: '10.0.0.1/8' }] }, /host bits set; did you mean '10\.0\.0\.0\/8'/],
    [{ allowed_destinations: [{ cidr: '10.0.0.0/33' }] }, /longer than 32 bits/],
    [{ allowed_destinations: [{ cidr: '10.0.0.0' }] }, /no '\/prefix'/],
    [{ allowed_destinations: [{ cidr: '2001:db8::1/32' }] }, /host bits set; did you mean '2001:db8:0:0:0:0:0:0\/32'/],
    [{ allowed_destinations: [{ domain: 'a.example', ports: [] }] }, /ports: must be a non-empty array/],
    [{ allowed_destinations: [{ domain: 'a.example', ports: [70000] }] }, /70000 is not a port number/],
    [{ allowed_destinations: [{ domain: 'a.example', ports: ['443'] }] }, /"443" is not a port number/],
    [{ allowed_destinations: [{ domain: 'a.example', protocol: 'icmp' }] }, /protocol: must be one of tcp, udp, https, http, any/],
    [{ allowed_destinations: [{ domain: 'a.example', host: 'x' }] }, /allowed_destinations\[0\]\.host: unknown key 'host'/],
    ['deny', /network_policy: must be an object/],
  ])('%j is rejected', (value, message) => {
    expect(issue(value).join('\n')).toMatch(message)
  })

  it('parseNetworkPolicy throws with every issue', () => {
    expect(() => parseNetworkPolicy({ default_action: 'x', allowed_destinations: [{ cidr: 'nope/1' }] })).toThrow(NetworkPolicyError)
    expect(() => parseNetworkPolicy({ default_action: 'x', allowed_destinations: [{ cidr: 'nope/1' }] })).toThrow(/default_action.*; allowed_destinations\[0\]\.cidr/)
  })
})

describe('IP parsing', () => {
  it.each([
    ['::', 6, '00000000000000000000000000000000'],
    ['::1', 6, '00000000000000000000000000000001'],
    ['1::', 6, '00010000000000000000000000000000'],
    ['1:2:3:4:5:6:7::', 6, '00010002000300040005000600070000'],
    ['::2:3:4:5:6:7:8', 6, '00000002000300040005000600070008'],
    ['64:ff9b::192.0.2.33', 6, '0064ff9b0000000000000000c0000221'],
    ['::ffff:192.0.2.1', 4, 'c0000201'],
    ['0:0:0:0:0:ffff:c000:0201', 4, 'c0000201'],
    ['203.0.113.9', 4, 'cb007109'],
  ])('%s', (text, family, hex) => {
    const r = parseIp(text)
    expect(r.ok && r.value.family).toBe(family)
    expect(r.ok && Buffer.from(r.value.bytes).toString('hex')).toBe(hex)
  })

  it.each(['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::', '12345::', 'g::1', ':1', '1.2.3.4.5', '1.2.3', ' 1.2.3.4'])('rejects %s', (text) => {
    expect(parseIp(text).ok).toBe(false)
  })

  it('turns mapped IPv6 blocks into IPv4 blocks', () => {
    const r = parseCidr('::ffff:10.0.0.0/104')
    expect(r.ok && r.value).toMatchObject({ family: 4, prefix: 8 })
    expect(decideEgress({ allowed_destinations: [{ cidr: '::ffff:10.0.0.0/104' }] }, { host: '10.9.9.9', port: 1 }).allowed).toBe(true)
  })
})

describe('connectRequest', () => {
  it('builds the connect(dest) request with the destination as argument 0 and as resource', () => {
    const r = connectRequest({ id: 'agent-1' }, { host: 'api.example.com', port: 443, protocol: 'https' }, { session: { id: 's' } })
    expect(r).toEqual({
      principal: { id: 'agent-1' },
      action: { name: 'connect', args: [{ id: 'api.example.com', host: 'api.example.com', port: 443, protocol: 'https' }] },
      resource: { id: 'api.example.com', type: 'network', host: 'api.example.com', port: 443, protocol: 'https' },
      context: { session: { id: 's' } },
    })
    expect(connectRequest({ id: 'a' }, { host: '10.0.0.1', port: 22 }).resource).toMatchObject({ protocol: 'tcp' })
    expect('context' in connectRequest({ id: 'a' }, { host: 'h', port: 1 })).toBe(false)
  })
})
