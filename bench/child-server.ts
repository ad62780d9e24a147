// Server children for the HTTP benchmarks: each server runs in its own process (so the load
// generator does not share its event loop), prints {"port": N} on its first stdout line, serves
// GET /__stats (CPU µs and requests), and exits when its stdin closes.

import { spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import autocannon from 'autocannon'
import { assert } from './harness'

/** What both HTTP benchmarks take: a bundled server script, the load shape, node flags. */
export interface ChildBenchOptions {
  /** The bundled server child under build/out/. */
  serverScript: string
  secret: string
  rounds: number
  /** Measured seconds per run. */
  seconds: number
  /** Warm-up seconds before each measured run. */
  warmupSeconds: number
  connections: number
  /** Extra node flags for the server children (e.g. --cpu-prof). */
  nodeArgs: string[]
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2
}

export interface Server {
  child: ChildProcess
  port: number
}

/**
 * Starts `node [nodeArgs] script ...mode` with `env` added, resolving once it listens; with
 * `pin`, under `taskset -c pin` (when taskset exists) so the server keeps to one CPU.
 */
export function startServer(script: string, mode: string | string[], nodeArgs: string[], env: Record<string, string>, pin?: { taskset: string; cpu: number }): Promise<Server> {
  const args = [...nodeArgs, script, ...(Array.isArray(mode) ? mode : [mode])]
  const [command, argv] = pin ? [pin.taskset, ['-c', String(pin.cpu), process.execPath, ...args]] : [process.execPath, args]
  const child = spawn(command, argv, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const nl = out.indexOf('\n')
      if (nl === -1) return
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      try {
        const { port } = JSON.parse(out.slice(0, nl)) as { port: number }
        resolve({ child, port })
      } catch (e) {
        reject(new Error(`${mode} server printed ${JSON.stringify(out)}: ${String(e)}`))
      }
    }
    const onExit = (code: number | null) => reject(new Error(`${mode} server exited with ${code} before listening`))
    child.stdout?.on('data', onData)
    child.on('exit', onExit)
    child.on('error', reject)
  })
}

/** Closes the child's stdin (it exits by itself) and waits for it, killing it after 5 s. */
export function stopServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve()
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 5000)
    s.child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    s.child.stdin?.end()
  })
}

export interface Response {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export function get(port: number, path: string, cookie?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: cookie === undefined ? {} : { cookie }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

export async function serverStats(port: number): Promise<{ cpuUs: number; requests: number }> {
  const r = await get(port, '/__stats')
  return JSON.parse(r.body) as { cpuUs: number; requests: number }
}

/** The `name=value` pair of the first Set-Cookie line. */
export function cookiePair(r: Response): string {
  const sc = r.headers['set-cookie']
  const line = Array.isArray(sc) ? sc[0] : sc
  assert(typeof line === 'string', `no Set-Cookie in ${JSON.stringify(r.headers)}`)
  return line.slice(0, line.indexOf(';') === -1 ? line.length : line.indexOf(';'))
}

/** autocannon against the child for `seconds`, with fixed headers; any error fails the bench. */
export async function load(port: number, seconds: number, connections: number, headers: Record<string, string>, latencies?: number[]) {
  const inst = autocannon({ url: `http://127.0.0.1:${port}/`, connections, pipelining: 1, duration: seconds, headers })
  if (latencies) {
    inst.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms)
    })
  }
  const r = await inst
  assert(r.errors === 0 && r.timeouts === 0 && r.non2xx === 0, `autocannon on :${port}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
  return r
}
