// The server side of the Redis HTTP rows (bench/redis.bench.ts): a node:http server in its own
// process, bundled by build/bench.mjs into build/out/redis-server.mjs and started as
//
//   node build/out/redis-server.mjs ours-redis|express-session-redis|plain
//     (secret in BENCH_SECRET, the bench's redis-server port in BENCH_REDIS_PORT)
//
// Every mode answers GET / with the same status, content type and body (`n=<12 digits>\n`):
//
//   ours-redis              Manager + RedisStore (an ioredis client with recommendedClientOptions)
//                           + the node adapter: acquire, get('n'), set('n', n + 1), commit.
//   express-session-redis   express-session's middleware, called directly on node:http's req/res
//                           (as connect calls it), with connect-redis on a node-redis client:
//                           reads req.session.n, writes n + 1; express-session saves at res.end.
//   plain                   no sessions and no Redis: a process-wide counter.
//
// Like bench/http-server.ts it listens on 127.0.0.1 on a free port and prints `{"port":N}` as its
// first stdout line once its Redis client is ready; GET /__stats answers the process's CPU time
// and request count; it exits when its stdin closes (so a --cpu-prof profile gets written).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { runChild, type Handler } from './child-main'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { RedisStore as ConnectRedisStore } from 'connect-redis'
import expressSession from 'express-session'
import { Manager } from '../src/manager'
import { RedisStore, recommendedClientOptions } from '../src/stores/redis'
import { getCookie, setCookie } from '../src/adapters/node/index'

const mode = process.argv[2]
if (mode !== 'ours-redis' && mode !== 'express-session-redis' && mode !== 'plain') {
  throw new Error(`usage: redis-server.mjs ours-redis|express-session-redis|plain, got ${mode}`)
}
const secret = process.env.BENCH_SECRET
if (!secret) throw new Error('BENCH_SECRET is not set')
const redisPort = Number(process.env.BENCH_REDIS_PORT)
if (mode !== 'plain' && !(Number.isInteger(redisPort) && redisPort > 0)) throw new Error(`BENCH_REDIS_PORT is not a port: ${process.env.BENCH_REDIS_PORT}`)

/** Same length for every n below 10^12: every mode sends bodies of one size. */
const body = (n: number) => `n=${String(n).padStart(12, '0')}\n`


let handler: Handler
let close: () => Promise<void> = async () => {}

if (mode === 'ours-redis') {
  // For experiments only (see bench/redis.bench.ts): BENCH_REDIS_IOREDIS_OPTIONS, JSON ioredis
  // options over the recommended ones; BENCH_REDIS_STORE_OPTIONS, JSON RedisStore options.
  const extraClient = JSON.parse(process.env.BENCH_REDIS_IOREDIS_OPTIONS || '{}') as object
  const storeOptions = JSON.parse(process.env.BENCH_REDIS_STORE_OPTIONS || '{}') as object
  const client = new Redis({ host: '127.0.0.1', port: redisPort, ...recommendedClientOptions, ...extraClient })
  client.on('error', (err: unknown) => console.error('ioredis:', err))
  // enableOfflineQueue is off: serve only once the client is ready.
  await new Promise<void>((resolve) => client.once('ready', () => resolve()))
  const store = new RedisStore(client, storeOptions)
  const manager = new Manager<{ n: number }, IncomingMessage, ServerResponse>({ store, secrets: [secret], getCookie, setCookie })
  handler = async (req, res) => {
    const sess = await manager.acquire(req, res)
    const n = await sess.get('n')
    const next = (typeof n === 'number' ? n : 0) + 1
    await sess.set('n', next)
    await sess.commit()
    res.setHeader('content-type', 'text/plain')
    res.end(body(next))
  }
  close = async () => {
    await client.quit()
  }
} else if (mode === 'express-session-redis') {
  const client = createClient({ socket: { host: '127.0.0.1', port: redisPort } })
  client.on('error', (err: unknown) => console.error('node-redis:', err))
  await client.connect()
  const middleware = expressSession({
    store: new ConnectRedisStore({ client }),
    secret,
    resave: false,
    saveUninitialized: false,
    // No maxAge: a browser-session cookie, so (like ours, whose cookie is sent once) a write to an
    // existing session sends no Set-Cookie; connect-redis then gives the key its default TTL of
    // one day, renewed by every save (ours: a 24 h idle timeout, also renewed by every commit).
    // Not Secure: express-session refuses to send a Secure cookie over plain HTTP.
    cookie: { path: '/', httpOnly: true, secure: false, sameSite: 'lax' },
  })
  handler = (req, res) => {
    middleware(req, res, (err?: unknown) => {
      if (err) {
        console.error(err)
        res.statusCode = 500
        res.end()
        return
      }
      const sess = (req as IncomingMessage & { session: { n?: unknown } }).session
      const n = sess.n
      const next = (typeof n === 'number' ? n : 0) + 1
      sess.n = next
      res.setHeader('content-type', 'text/plain')
      res.end(body(next))
    })
  }
  close = async () => {
    await client.quit()
  }
} else {
  let counter = 0
  handler = (_req, res) => {
    const next = ++counter
    res.setHeader('content-type', 'text/plain')
    res.end(body(next))
  }
}

runChild(handler, close)
