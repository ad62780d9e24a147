// The server side of the framework rows (bench/frameworks.bench.ts): one framework app in its own
// process, bundled by build/bench.mjs into build/out/frameworks-server.mjs and started as
//
//   node build/out/frameworks-server.mjs express|fastify|hono ours|theirs|bare   (secret in BENCH_SECRET)
//
// bare: the framework with no session at all (the handler answers a process-wide counter), the
// ceiling any session library's ratio is bounded by; ours: our adapter (Manager + MemoryStore); theirs: the framework's usual session library with
// its own in-memory store: express-session { resave: false, saveUninitialized: false },
// @fastify/session + @fastify/cookie { saveUninitialized: false } (its default rolling: true),
// @hono/session with a Map behind useSessionStorage. Every handler reads n, writes n + 1 and
// answers String(n); every side's cookie has a one-day max-age and is not Secure (plain HTTP).
//
// Like bench/child-main.ts: listens on 127.0.0.1 (port 0), prints {"port":N}, answers GET /__stats
// with its CPU µs and request count (a route registered before the session middleware), and
// exits when its stdin closes.

import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import expressSession from 'express-session'
import Fastify from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import { useSession, useSessionStorage } from '@hono/session'
import { Manager } from '../src/manager'
import { MemoryStore } from '../src/stores/memory'
import { session as oursExpress } from '../src/adapters/express/index'
import oursFastify from '../src/adapters/fastify/index'
import { session as oursHono } from '../src/adapters/hono/index'

const [framework, side] = process.argv.slice(2)
const secret: string =
  process.env.BENCH_SECRET ??
  (() => {
    throw new Error('BENCH_SECRET is not set')
  })()
if (side !== 'ours' && side !== 'theirs' && side !== 'bare') throw new Error(`usage: frameworks-server.mjs express|fastify|hono ours|theirs|bare, got ${side}`)

const DAY = 86400
let requests = 0
const stats = () => {
  const cpu = process.cpuUsage()
  return { cpuUs: cpu.user + cpu.system, requests }
}
const manager = () => new Manager({ store: new MemoryStore(), secrets: [secret], cookie: { maxAge: DAY, secure: false } })
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)
let bareN = 0

function ready(server: Server | { address(): AddressInfo | string | null }, close: () => Promise<unknown>): void {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`${JSON.stringify({ port })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => {
    close().finally(() => process.exit(0))
  })
}

async function startExpress(): Promise<void> {
  const app = express()
  app.get('/__stats', (_req, res) => void res.json(stats()))
  app.use((_req, _res, next) => {
    requests++
    next()
  })
  if (side === 'bare') {
    app.get('/', (_req, res) => void res.send(String(bareN++)))
  } else if (side === 'ours') {
    app.use(oursExpress(manager()))
    app.get('/', async (req, res) => {
      const n = num(await req.session.get('n'))
      await req.session.set('n', n + 1)
      res.send(String(n))
    })
  } else {
    app.use(expressSession({ secret, resave: false, saveUninitialized: false, store: new expressSession.MemoryStore(), cookie: { maxAge: DAY * 1000 } }))
    app.get('/', (req, res) => {
      const s = (req as unknown as { session: Record<string, unknown> }).session
      const n = num(s.n)
      s.n = n + 1
      res.send(String(n))
    })
  }
  const server = app.listen(0, '127.0.0.1', () => ready(server, () => new Promise((r) => server.close(r))))
  server.keepAliveTimeout = 60_000
}

async function startFastify(): Promise<void> {
  const app = Fastify({ keepAliveTimeout: 60_000 })
  app.get('/__stats', async () => stats())
  app.addHook('onRequest', async (request) => {
    if (request.url !== '/__stats') requests++
  })
  if (side === 'bare') {
    app.get('/', async () => String(bareN++))
  } else if (side === 'ours') {
    await app.register(oursFastify, { manager: manager() })
    app.get('/', async (request) => {
      const n = num(await request.session.get('n'))
      await request.session.set('n', n + 1)
      return String(n)
    })
  } else {
    await app.register(fastifyCookie)
    // No store given: @fastify/session's default is its MemoryStore, one per registration.
    await app.register(fastifySession, { secret, saveUninitialized: false, cookie: { maxAge: DAY * 1000, secure: false } })
    app.get('/', async (request) => {
      const s = request.session as unknown as { get(k: string): unknown; set(k: string, v: unknown): void }
      const n = num(s.get('n'))
      s.set('n', n + 1)
      return String(n)
    })
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  ready(app.server, () => app.close())
}

async function startHono(): Promise<void> {
  const app = new Hono()
  app.get('/__stats', (c) => c.json(stats()))
  app.use(async (_c, next) => {
    requests++
    await next()
  })
  if (side === 'bare') {
    app.get('/', (c) => c.text(String(bareN++)))
  } else if (side === 'ours') {
    app.use(oursHono(manager()))
    app.get('/', async (c) => {
      const s = c.var.session
      const n = num(await s.get('n'))
      await s.set('n', n + 1)
      return c.text(String(n))
    })
  } else {
    const sessions = new Map<string, { n?: number }>()
    app.use(
      useSessionStorage({ get: (sid: string) => sessions.get(sid) ?? null, set: (sid: string, v: { n?: number }) => void sessions.set(sid, v), delete: (sid: string) => void sessions.delete(sid) }),
      // A 32-byte key, hex-encoded, from the shared secret.
      useSession({ secret: Buffer.from(secret).subarray(0, 32).toString('hex'), duration: { absolute: DAY } }),
    )
    app.get('/', async (c) => {
      const s = (c.var as unknown as { session: { get(): Promise<{ n?: number } | null>; update(d: { n: number }): Promise<void> } }).session
      const n = num((await s.get())?.n)
      await s.update({ n: n + 1 })
      return c.text(String(n))
    })
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
    ready(server as unknown as Server, () => new Promise((r) => server.close(r))),
  )
}

const start = { express: startExpress, fastify: startFastify, hono: startHono }[framework ?? '']
if (!start) throw new Error(`usage: frameworks-server.mjs express|fastify|hono ours|theirs|bare, got ${framework}`)
await start()
