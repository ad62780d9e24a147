// Server children for the HTTP benchmarks: each server runs in its own process (so the load
// generator does not share its event loop), prints {"port": N} on its first stdout line, serves
// GET /__stats (CPU µs and requests), and exits when its stdin closes.
//
// Pinning: where `taskset` is on PATH and this process may run on at least two CPUs, a section
// can start its servers on the first of them and move the load generator (this process) to the
// second (pinSection), so the two never trade places or share a core mid-run.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { request } from 'node:http'
import { delimiter, join } from 'node:path'
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

/** Where a pinned section runs: its servers on CPU `server`, the load generator on CPU `load`. */
interface Pinning {
  taskset: string
  server: number
  load: number
  /** The CPUs this process may run on before pinning (a taskset list, e.g. "0-3"), to go back to. */
  allowed: string
}

/** The executable `name` on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not in this folder
    }
  }
  return undefined
}

/** A taskset CPU list ("0-3,6") as CPU numbers. */
export function cpuList(list: string): number[] {
  const out: number[] = []
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (m === null) continue
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c)
  }
  return out
}

/**
 * The first two CPUs this process may run on (its affinity list, which a container's cpuset
 * narrows: not simply CPUs 0 and 1), or why there is no pinning.
 */
function findPinning(): Pinning | string {
  const taskset = onPath('taskset')
  if (taskset === undefined) return 'taskset is not on PATH'
  let out: string
  try {
    // "pid 123's current affinity list: 0-3"
    out = execFileSync(taskset, ['-pc', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (e) {
    return `taskset cannot read this process's CPUs (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`
  }
  const allowed = out.slice(out.lastIndexOf(':') + 1).trim()
  const [server, load] = cpuList(allowed)
  if (server === undefined || load === undefined) return `this process may run on CPU ${allowed} only (pinning needs two)`
  return { taskset, server, load, allowed }
}

/**
 * Moves every thread of this process to the load generator's CPU; the function it returns moves
 * them back to where they were allowed before. Children started in between inherit the pinning,
 * so a section restores it before the next section starts its own.
 */
function pinSelf(p: Pinning): () => void {
  execFileSync(p.taskset, ['-apc', String(p.load), String(process.pid)], { stdio: 'ignore' })
  return () => execFileSync(p.taskset, ['-apc', p.allowed, String(process.pid)], { stdio: 'ignore' })
}

/** A section's pinning, in force from the call until `unpin`. */
export interface SectionPinning {
  /** For startServer: the servers' CPU; undefined when unpinned. */
  server: { taskset: string; cpu: number } | undefined
  /** The load generator's CPU, for a helper process that belongs with it; undefined when unpinned. */
  load: { taskset: string; cpu: number } | undefined
  /** For the section's title: where each side runs, or why nothing is pinned. */
  where: string
  unpin: () => void
}

/** Pins this process (the load generator) when it can; says so on the console when it cannot. */
export function pinSection(section: string): SectionPinning {
  const p = findPinning()
  if (typeof p === 'string') {
    console.log(`\n${section} not pinned: ${p}; running unpinned`)
    return { server: undefined, load: undefined, where: `not pinned: ${p}`, unpin: () => {} }
  }
  return { server: { taskset: p.taskset, cpu: p.server }, load: { taskset: p.taskset, cpu: p.load }, where: `servers pinned to CPU ${p.server}, load generator to CPU ${p.load}`, unpin: pinSelf(p) }
}

/** Moves every thread of process `pid` (not a child started by startServer) to `pin.cpu`. */
export function pinProcess(pin: { taskset: string; cpu: number }, pid: number): void {
  execFileSync(pin.taskset, ['-apc', String(pin.cpu), String(pid)], { stdio: 'ignore' })
}

/** The CPU list process `pid` may run on ("1", "0-3"), as taskset reports it. */
export function affinityOf(taskset: string, pid: number): string {
  const out = execFileSync(taskset, ['-pc', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return out.slice(out.lastIndexOf(':') + 1).trim()
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

/** The Set-Cookie lines of a response, none as []. */
export function setCookies(r: Response): string[] {
  const sc = r.headers['set-cookie']
  return sc === undefined ? [] : Array.isArray(sc) ? sc : [sc]
}

/** The `name=value` pair of a Set-Cookie line. */
export const cookieOf = (line: string): string => line.slice(0, line.indexOf(';') === -1 ? line.length : line.indexOf(';'))

/** The `name=value` pair of the first Set-Cookie line. */
export function cookiePair(r: Response): string {
  const line = setCookies(r)[0]
  assert(typeof line === 'string', `no Set-Cookie in ${JSON.stringify(r.headers)}`)
  return cookieOf(line)
}

/**
 * autocannon against the child for `seconds`; any error or non-2xx response fails the bench.
 * `headers`: the same for every connection, or one object a connection (then `connections` must
 * be their number), each handed to exactly one connection: e.g. a session cookie each.
 */
export async function load(port: number, seconds: number, connections: number, headers: Record<string, string> | readonly Record<string, string>[], latencies?: number[]) {
  const perConnection = Array.isArray(headers) ? headers : undefined
  assert(perConnection === undefined || perConnection.length === connections, `${perConnection?.length} header sets for ${connections} connections`)
  let handed = 0
  const inst = autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections,
    pipelining: 1,
    duration: seconds,
    ...(perConnection === undefined
      ? { headers: headers as Record<string, string> }
      : { setupClient: (client: { setHeaders(h: Record<string, string>): void }) => client.setHeaders(perConnection[handed++] ?? {}) }),
  })
  if (latencies) {
    inst.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms)
    })
  }
  const r = await inst
  assert(r.errors === 0 && r.timeouts === 0 && r.non2xx === 0, `autocannon on :${port}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
  assert(perConnection === undefined || handed === connections, `autocannon set up ${handed} connections, not ${connections}: some shared a header set`)
  return r
}
