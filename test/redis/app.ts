// Helpers for the Redis fault and load suites (fault.test.ts, load.test.ts): an ioredis client
// made the way the store's docs recommend, a node:http app on Manager + RedisStore that maps
// STORE_UNAVAILABLE to 503, bounded concurrency, awaiting a condition (never a fixed sleep) and
// listing keys on one node or every master of a cluster.
//
//   connectRedis(url, options?)       ioredis Redis with recommendedClientOptions (+ options),
//                                     connected (resolves once ready); 'error' events swallowed
//                                     (every failing call reports its own)
//   connectCluster(nodes, options?)   the same for a Cluster (enableOfflineQueue false, node
//                                     commandTimeout / maxRetriesPerRequest 1)
//   serveApp(routes)                  node:http on 127.0.0.1:0; a route gets the request's Session
//                                     (acquired through the node adapter) and returns a codec
//                                     Value; the session is committed after the route, then the
//                                     body sent. A SessionError STORE_UNAVAILABLE answers 503
//                                     { error: 'STORE_UNAVAILABLE', message }, any other error 500.
//                                     Bodies are the codec's bytes (test/manager/harness.ts' Client
//                                     reads them).
//   inPool(n, concurrency, fn)        runs fn(0..n-1) with at most `concurrency` at a time;
//                                     rejects with the first failure after all have settled
//   until(what, cond, deadlineMs)     awaits cond() true, polling, or throws after the deadline
//   awaitReady(client, deadlineMs)    retries PING until it answers (the client reconnects by
//                                     itself), waking on the client's 'ready' event
//   keysUnder(client, prefix)         keys under a prefix (SCAN on each master, never KEYS)
//   deadlineFetch(url, headers, ms)   fetch with a client-side deadline; resolves
//                                     { status, body, setCookies, ms, end } or { hung: true, … }

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis'
import { decodeValue, encodeValue, type Value } from '../../src/codec'
import { isSessionError } from '../../src/errors'
import type { Manager } from '../../src/manager'
import type { Session } from '../../src/session'
import { recommendedClientOptions } from '../../src/stores/redis'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A Redis client on the recommended settings (plus `options`), connected. */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { ...recommendedClientOptions, ...options, lazyConnect: true })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** A Cluster client on the recommended settings, ready. */
export async function connectCluster(nodes: ClusterNode[], redisOptions: RedisOptions = {}, options: ClusterOptions = {}): Promise<Cluster> {
  const client = new Cluster(nodes, {
    enableOfflineQueue: false,
    ...options,
    redisOptions: { commandTimeout: recommendedClientOptions.commandTimeout, maxRetriesPerRequest: recommendedClientOptions.maxRetriesPerRequest, ...redisOptions },
  })
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => {
      client.removeListener('error', reject)
      client.on('error', () => {})
      resolve()
    })
    client.once('error', reject)
  })
  return client
}

export type AppRoute = (session: Session, url: URL, req: IncomingMessage) => Promise<Value | void> | Value | void

export interface App {
  url: string
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: Value): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const bytes = encodeValue(body)
  res.statusCode = status
  res.setHeader('content-type', 'application/octet-stream')
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
}

/** node:http on a free port: acquire, route, commit; STORE_UNAVAILABLE answers 503. */
export async function serveApp(manager: Manager<any, IncomingMessage, ServerResponse>, routes: Record<string, AppRoute>): Promise<App> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const route = routes[url.pathname]
    if (!route) {
      res.statusCode = 404
      res.end()
      return
    }
    ;(async () => {
      const session = await manager.acquire(req, res)
      const out = await route(session, url, req)
      await session.commit()
      return out ?? null
    })().then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err)
        if (isSessionError(err, 'STORE_UNAVAILABLE')) send(res, 503, { error: 'STORE_UNAVAILABLE', message })
        else send(res, 500, { error: isSessionError(err) ? err.code : 'ERROR', message })
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })),
  }
}

/** Runs fn(i) for i in 0..n-1, at most `concurrency` at once; rethrows the first failure at the end. */
export async function inPool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { err: unknown } | undefined
  const worker = async () => {
    while (next < n) {
      const i = next++
      try {
        await fn(i)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  if (failure) throw failure.err
}

/** Awaits cond() (polled every few ms); throws after deadlineMs naming `what`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, deadlineMs: number, pollMs = 5): Promise<void> {
  const deadline = performance.now() + deadlineMs
  for (;;) {
    if (await cond()) return
    if (performance.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await sleep(pollMs)
  }
}

/**
 * Retries PING on the same client until it answers PONG (ioredis reconnects by itself; with
 * enableOfflineQueue false a PING fails at once while it is down). Between tries it waits for
 * the client's 'ready' event or 25 ms, whichever comes first. Throws after deadlineMs.
 */
export async function awaitReady(client: Redis | Cluster, deadlineMs: number): Promise<number> {
  const t0 = performance.now()
  let last = ''
  for (;;) {
    try {
      if ((await client.ping()) === 'PONG') return performance.now() - t0
    } catch (err) {
      last = (err as Error).message
    }
    if (performance.now() - t0 > deadlineMs) throw new Error(`the client did not answer PING within ${deadlineMs} ms after the restart (last: ${last})`)
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        client.removeListener('ready', done)
        resolve()
      }
      const timer = setTimeout(done, 25)
      client.once('ready', done)
    })
  }
}

/** Keys under `prefix` on one node or every master of a cluster (SCAN, never KEYS). */
export async function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client]
  const out: string[] = []
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000)
      cursor = next
      out.push(...keys)
    } while (cursor !== '0')
  }
  return out
}

/** A deadlineFetch outcome; `end` is performance.now() when it settled, `ms` the time since `t0`. */
export type Fetched = { hung: false; status: number; body: Value; setCookies: string[]; ms: number; end: number } | { hung: true; ms: number; end: number; error: string }

/** fetch with a client-side deadline: a request that has no answer by then counts as hung. */
export async function deadlineFetch(url: string, headers: Record<string, string>, deadlineMs: number, t0 = performance.now()): Promise<Fetched> {
  try {
    const r = await fetch(url, { headers, signal: AbortSignal.timeout(deadlineMs) })
    const buf = new Uint8Array(await r.arrayBuffer())
    const end = performance.now()
    return { hung: false, status: r.status, body: buf.length ? decodeValue(buf) : null, setCookies: r.headers.getSetCookie(), ms: end - t0, end }
  } catch (err) {
    const end = performance.now()
    return { hung: true, ms: end - t0, end, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }
  }
}
