import { createServer } from 'node:http'

/** A loopback HTTP server that records the JSON bodies posted to it (a webhook receiver). */
export async function webhookReceiver(status: () => number = () => 204): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      bodies.push(JSON.parse(body))
      res.writeHead(status()).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}/events?token=secret`, bodies, close: () => new Promise((r) => server.close(() => r())) }
}
