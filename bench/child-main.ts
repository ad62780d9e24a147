// The child side of bench/child-server.ts: serves `handler` on 127.0.0.1 (port 0), prints
// {"port": N}, answers GET /__stats with its CPU µs and request count, and exits when stdin
// closes (after `close`).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void

export function runChild(handler: Handler, close: () => Promise<void> = async () => {}): void {
  let requests = 0
  const server = createServer((req, res) => {
    if (req.url === '/__stats') {
      const cpu = process.cpuUsage()
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ cpuUs: cpu.user + cpu.system, requests }))
      return
    }
    requests++
    const fail = (err: unknown) => {
      console.error(err)
      res.statusCode = 500
      res.end()
    }
    try {
      const p = handler(req, res)
      if (p) p.catch(fail)
    } catch (err) {
      fail(err)
    }
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address()
    if (addr === null || typeof addr === 'string') throw new Error(`unexpected address ${String(addr)}`)
    process.stdout.write(`${JSON.stringify({ port: addr.port })}\n`)
  })
  process.stdin.resume()
  process.stdin.on('end', () => {
    server.closeAllConnections()
    server.close()
    close()
      .catch(() => {})
      .finally(() => process.exit(0))
  })
}
