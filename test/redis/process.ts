// Real Redis servers for the Redis suites and the Redis benchmark rows: redis-server started
// here on free loopback ports (every test file, each vitest project and the bench get servers of
// their own; nothing is shared through fixed ports), a three-master cluster, and the raw protocol
// to look at them out of band. No vitest here, so bench/redis.bench.ts can use it too; the
// suites' describeRedis (skip or fail where Redis is missing) is in ./server.ts.
//
//   redisServerPath(), redisCliPath()   the binaries on PATH, or undefined (the Debian package
//                                       redis-server brings both)
//   redisUrl                            REDIS_URL, when set: startRedis() without options hands
//                                       out that server (shared: use fresh key prefixes; stop()
//                                       leaves it running, kill/restart reject)
//   redisMissing(cluster?)              why Redis (or what a cluster needs) cannot be had here
//   startRedis(opts?)                   a RedisServer; any option gives a server of its own, even
//                                       with REDIS_URL set (see StartRedisOptions, RedisServer)
//   processControl(server)              why kill/restart cannot be used on it (for ctx.skip)
//   startCluster()                      three masters joined with `redis-cli --cluster create`,
//                                       resolved once every node reports cluster_state:ok
//   freePort(), rawCommand(port, args)  a port the OS just handed out; one RESP command over a
//                                       fresh socket
//
// Readiness is a PING answered +PONG, polled, never a fixed sleep. Every process is SIGKILLed,
// and every directory made here removed, when the process exits or is ended by SIGTERM/SIGINT
// (how vitest ends its workers). A process killed with SIGKILL cannot clean up: its servers
// outlive it.

import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

// ---------------------------------------------------------------------------------------------
// Finding Redis

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const file = join(dir, name)
    try {
      if (existsSync(file) && statSync(file).isFile()) return file
    } catch {
      // unreadable PATH entry
    }
  }
  return undefined
}

/** redis-server on PATH, or undefined. */
export function redisServerPath(): string | undefined {
  return onPath('redis-server')
}

/** redis-cli on PATH, or undefined. */
export function redisCliPath(): string | undefined {
  return onPath('redis-cli')
}

/** An existing server to use instead of starting one (REDIS_URL), or undefined. */
export const redisUrl: string | undefined = process.env.REDIS_URL || undefined

/** Why the Redis suites cannot run here (undefined: they can). A cluster needs both binaries. */
export function redisMissing(cluster = false): string | undefined {
  const server = redisServerPath()
  const cli = redisCliPath()
  if (cluster) {
    if (!server || !cli) return `a Redis Cluster needs redis-server and redis-cli on PATH (missing: ${[!server && 'redis-server', !cli && 'redis-cli'].filter(Boolean).join(', ')}); install the redis-server package`
    return undefined
  }
  if (redisUrl || server) return undefined
  return 'redis-server is not on PATH and REDIS_URL is not set; install the redis-server package (apt-get install redis-server) or point REDIS_URL at a server'
}

// ---------------------------------------------------------------------------------------------
// Cleanup on exit, whatever way the test process ends

const live = new Set<ChildProcess>()
const madeDirs = new Set<string>()
let exitHook = false

/** SIGKILLs every live server and removes every directory made here (synchronous). */
function cleanupNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
  live.clear()
  for (const dir of madeDirs) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // best effort
    }
  }
  madeDirs.clear()
}

/**
 * Cleans up on exit, and on SIGTERM/SIGINT (vitest ends its fork workers with SIGTERM, which
 * skips 'exit' handlers). When nobody else listens for the signal, it is raised again afterwards
 * so that the process still ends the way the signal meant.
 */
function onExit(): void {
  if (exitHook) return
  exitHook = true
  process.on('exit', cleanupNow)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = () => {
      cleanupNow()
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, handler)
  }
}

// ---------------------------------------------------------------------------------------------
// Ports and the raw protocol

/** A port the OS just handed out on 127.0.0.1 (listen on 0, then close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => (port ? resolve(port) : reject(new Error('no port from the OS'))))
    })
  })
}

/** A RESP reply: simple strings and bulk strings as strings, integers, null, arrays. */
export type RespValue = string | number | null | RespValue[]

/** Encodes a command as a RESP array of bulk strings. */
function encode(args: readonly (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a))
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

class ReplyErr extends Error {
  override name = 'ReplyError'
}

/** Parses one reply at `pos`; undefined when more bytes are needed. */
function parse(buf: Buffer, pos: number): { value: RespValue | ReplyErr; end: number } | undefined {
  const nl = buf.indexOf('\r\n', pos)
  if (nl < 0) return undefined
  const type = String.fromCharCode(buf[pos]!)
  const line = buf.toString('utf8', pos + 1, nl)
  switch (type) {
    case '+':
      return { value: line, end: nl + 2 }
    case '-':
      return { value: new ReplyErr(line), end: nl + 2 }
    case ':':
      return { value: Number(line), end: nl + 2 }
    case '$': {
      const n = Number(line)
      if (n < 0) return { value: null, end: nl + 2 }
      if (buf.length < nl + 2 + n + 2) return undefined
      return { value: buf.toString('utf8', nl + 2, nl + 2 + n), end: nl + 2 + n + 2 }
    }
    case '*': {
      const n = Number(line)
      if (n < 0) return { value: null, end: nl + 2 }
      const out: RespValue[] = []
      let at = nl + 2
      for (let i = 0; i < n; i++) {
        const r = parse(buf, at)
        if (!r) return undefined
        if (r.value instanceof ReplyErr) return r
        out.push(r.value)
        at = r.end
      }
      return { value: out, end: at }
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`)
  }
}

/**
 * Sends one command over a fresh connection and resolves its reply (rejects with the server's
 * error reply, a connection error, or after `ms`).
 */
export function rawCommand(port: number, args: readonly (string | number | Buffer)[], host = '127.0.0.1', ms = 2000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    let done = false
    const sock = createConnection({ port, host })
    const finish = (err: Error | undefined, value?: RespValue) => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve(value ?? null)
    }
    const timer = setTimeout(() => finish(new Error(`no reply from ${host}:${port} to ${String(args[0])} within ${ms} ms`)), ms)
    sock.once('error', (err) => finish(err))
    sock.once('close', () => finish(new Error(`connection to ${host}:${port} closed before a reply`)))
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      try {
        const r = parse(buf, 0)
        if (!r) return
        if (r.value instanceof ReplyErr) finish(r.value)
        else finish(undefined, r.value)
      } catch (err) {
        finish(err as Error)
      }
    })
    sock.write(encode(args))
  })
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls PING until +PONG (a server still loading its AOF answers -LOADING: keep polling). */
async function waitForPong(port: number, host: string, deadlineMs: number, exited?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + deadlineMs
  let last = ''
  for (;;) {
    const gone = exited?.()
    if (gone !== undefined) throw new Error(gone)
    try {
      if ((await rawCommand(port, ['PING'], host, 1000)) === 'PONG') return
    } catch (err) {
      last = (err as Error).message
    }
    if (Date.now() > deadline) throw new Error(`redis at ${host}:${port} did not answer PING within ${deadlineMs} ms (last: ${last})`)
    await sleep(15)
  }
}

// ---------------------------------------------------------------------------------------------
// Single servers

export interface StartRedisOptions {
  /** Turn on the append-only file (appendfsync always). Default off; RDB saves are always off. */
  appendonly?: boolean
  /** Working directory; kept on stop. Default: a fresh temporary one, removed on stop. */
  dir?: string
  /** A fixed port; default a free one from the OS. */
  port?: number
  /** More redis-server arguments, e.g. ['--maxmemory', '10mb']. */
  extraArgs?: string[]
}

export interface RedisServer {
  /** '127.0.0.1' for a server started here; REDIS_URL's host otherwise. */
  readonly host: string
  readonly port: number
  /** redis://127.0.0.1:port (or REDIS_URL for an external server). */
  readonly url: string
  /** The working directory (empty for an external server). */
  readonly dir: string
  /** True for the REDIS_URL server: this process does not own it, kill/restart reject. */
  readonly external: boolean
  /** The running process's pid (undefined while stopped, or external). */
  readonly pid: number | undefined
  /** Graceful stop (SIGTERM), waits for the exit, removes a dir it made. Idempotent. */
  stop(): Promise<void>
  /** Abrupt end (default SIGKILL); waits for the exit. The dir stays for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Starts the server again on the same port and dir (stopping it first if it runs). */
  restart(): Promise<void>
  /** One command over a fresh raw connection. */
  command(...args: (string | number | Buffer)[]): Promise<RespValue>
}

/** Why kill/restart cannot be used on `server` (undefined: they can). For ctx.skip(reason). */
export function processControl(server: RedisServer): string | undefined {
  return server.external ? 'the server comes from REDIS_URL: this process cannot kill or restart it' : undefined
}

const START_TIMEOUT = 15_000

class OwnedServer implements RedisServer {
  readonly host = '127.0.0.1' as const
  port = 0
  readonly dir: string
  readonly external = false
  #child: ChildProcess | undefined
  #exit: Promise<void> | undefined
  #output = ''
  #ownsDir: boolean
  #args: string[]
  #stopped = false

  constructor(dir: string, ownsDir: boolean, args: string[]) {
    this.dir = dir
    this.#ownsDir = ownsDir
    this.#args = args
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Spawns on `port` and waits for PONG; rejects (with the log) when it exits first. */
  async spawn(port: number): Promise<void> {
    const bin = redisServerPath()
    if (!bin) throw new Error(redisMissing() ?? 'redis-server is not on PATH')
    this.port = port
    this.#output = ''
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', this.dir, '--daemonize', 'no', '--logfile', '', '--save', '', ...this.#args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    onExit()
    live.add(child)
    this.#child = child
    let exited: string | undefined
    const collect = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-8000)
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    this.#exit = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child)
        exited = `redis-server on port ${port} exited (${signal ?? `code ${code}`}) before it answered PING:\n${this.#output}`
        resolve()
      })
      child.once('error', (err) => {
        live.delete(child)
        exited = `redis-server could not start: ${err.message}`
        resolve()
      })
    })
    try {
      await waitForPong(port, this.host, START_TIMEOUT, () => exited)
    } catch (err) {
      await this.#end('SIGKILL')
      throw err
    }
  }

  /** True when the last failed spawn was a port clash (worth another port). */
  portClash(): boolean {
    return /Address already in use|bind: /i.test(this.#output)
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child
    if (!child) return
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await this.#exit
      clearTimeout(timer)
    }
    this.#child = undefined
  }

  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await this.#end('SIGTERM')
    if (this.#ownsDir) {
      madeDirs.delete(this.dir)
      await rm(this.dir, { recursive: true, force: true })
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.#end(signal)
  }

  async restart(): Promise<void> {
    if (this.#stopped) throw new Error('restart() after stop(): the server and its dir are gone')
    await this.#end('SIGTERM')
    await this.spawn(this.port)
  }

  command(...args: (string | number | Buffer)[]): Promise<RespValue> {
    return rawCommand(this.port, args, this.host)
  }
}

class ExternalServer implements RedisServer {
  readonly host: string
  readonly port: number
  readonly url: string
  readonly dir = ''
  readonly external = true
  readonly pid = undefined

  constructor(url: string) {
    const u = new URL(url)
    this.url = url
    this.host = u.hostname || '127.0.0.1'
    this.port = Number(u.port || 6379)
  }

  async stop(): Promise<void> {}

  async kill(): Promise<void> {
    throw new Error(processControl(this))
  }

  async restart(): Promise<void> {
    throw new Error(processControl(this))
  }

  command(...args: (string | number | Buffer)[]): Promise<RespValue> {
    return rawCommand(this.port, args, this.host)
  }
}

function redisArgs(opts: StartRedisOptions): string[] {
  const args = ['--appendonly', opts.appendonly ? 'yes' : 'no']
  if (opts.appendonly) args.push('--appendfsync', 'always')
  return [...args, ...(opts.extraArgs ?? [])]
}

function workDir(opts: StartRedisOptions): { dir: string; owns: boolean } {
  if (opts.dir !== undefined) return { dir: opts.dir, owns: false }
  onExit()
  const dir = mkdtempSync(join(tmpdir(), 'simplesessions-redis-'))
  madeDirs.add(dir)
  return { dir, owns: true }
}

/**
 * A redis-server of this test's own (or the REDIS_URL server when that is set, and neither a
 * dir, a port nor persistence was asked for). See the module comment.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  if (redisUrl && opts.appendonly === undefined && opts.dir === undefined && opts.port === undefined && opts.extraArgs === undefined) {
    const server = new ExternalServer(redisUrl)
    await waitForPong(server.port, server.host, START_TIMEOUT)
    return server
  }
  const { dir, owns } = workDir(opts)
  const server = new OwnedServer(dir, owns, redisArgs(opts))
  for (let attempt = 0; ; attempt++) {
    try {
      await server.spawn(opts.port ?? (await freePort()))
      return server
    } catch (err) {
      // Another process took the port between freePort and the bind: try another one.
      if (opts.port === undefined && attempt < 5 && server.portClash()) continue
      await server.stop()
      throw err
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface RedisCluster {
  /** The masters' addresses, for `new Cluster(nodes)`. */
  readonly nodes: { host: string; port: number }[]
  /** The three processes (kill/restart one for failure tests). */
  readonly servers: RedisServer[]
  /** Stops every node and removes their dirs. Idempotent. */
  stop(): Promise<void>
}

let versionMajor: number | undefined

/** redis-server's major version (cluster-port needs 7). */
function serverMajor(): Promise<number> {
  if (versionMajor !== undefined) return Promise.resolve(versionMajor)
  return new Promise((resolve) => {
    execFile(redisServerPath() ?? 'redis-server', ['--version'], (err, stdout) => {
      const m = /v=(\d+)\./.exec(String(stdout))
      versionMajor = err || !m ? 0 : Number(m[1])
      resolve(versionMajor)
    })
  })
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** One cluster node: its port and bus port both free. */
async function startClusterNode(): Promise<RedisServer> {
  const major = await serverMajor()
  for (let attempt = 0; ; attempt++) {
    let port: number
    const extra = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000']
    if (major >= 7) {
      port = await freePort()
      let bus = await freePort()
      while (bus === port) bus = await freePort()
      extra.push('--cluster-port', String(bus))
    } else {
      // Before Redis 7 the bus is always port + 10000.
      do port = 10000 + Math.floor(Math.random() * 45000)
      while (!(await isPortFree(port)) || !(await isPortFree(port + 10000)))
    }
    try {
      return await startRedis({ port, extraArgs: extra })
    } catch (err) {
      if (attempt < 5 && /Address already in use/i.test((err as Error).message)) continue
      throw err
    }
  }
}

function run(file: string, args: string[], ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: ms }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

async function waitClusterOk(ports: number[], deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs
  let last = ''
  for (;;) {
    let ok = true
    for (const port of ports) {
      try {
        const info = String(await rawCommand(port, ['CLUSTER', 'INFO']))
        if (!/cluster_state:ok/.test(info) || !new RegExp(`cluster_known_nodes:${ports.length}\\b`).test(info) || !/cluster_slots_ok:16384/.test(info)) {
          ok = false
          last = `${port}: ${info.split('\r\n').slice(0, 7).join(' ')}`
          break
        }
      } catch (err) {
        ok = false
        last = `${port}: ${(err as Error).message}`
        break
      }
    }
    if (ok) return
    if (Date.now() > deadline) throw new Error(`the cluster did not reach cluster_state:ok within ${deadlineMs} ms (${last})`)
    await sleep(25)
  }
}

/** Three masters joined into a cluster, each on free ports, ready for ioredis' Cluster. */
export async function startCluster(): Promise<RedisCluster> {
  const cli = redisCliPath()
  if (!cli || !redisServerPath()) throw new Error(redisMissing(true))
  const servers: RedisServer[] = []
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()))
  }
  try {
    servers.push(...(await Promise.all([startClusterNode(), startClusterNode(), startClusterNode()])))
    const addrs = servers.map((s) => `127.0.0.1:${s.port}`)
    await run(cli, ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes'], 30_000)
    await waitClusterOk(
      servers.map((s) => s.port),
      30_000,
    )
  } catch (err) {
    await stop()
    throw err
  }
  let stopped = false
  return {
    nodes: servers.map((s) => ({ host: s.host, port: s.port })),
    servers,
    async stop() {
      if (stopped) return
      stopped = true
      await stop()
    },
  }
}
