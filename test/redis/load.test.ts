// Load on a real Redis: many concurrent commits on ONE session, each to its own key,
// through the Manager and RedisStore. The store's commit is field-level (a guarded script that
// HSETs only the fields this request set), so concurrent requests that each change a different
// key must all keep their writes: 0 lost.
//
// Two shapes, 10^4 each (on both projects):
//   - 10^4 requests as Session objects sharing one cookie: all of them load and set their key
//     first, 100 at a time, then all commit, 100 at a time: each commit carries a record copy
//     that lacks every other request's key, so a read-modify-write store would lose them;
//   - 10^4 one-commit requests over node:http with the same cookie, 100 in flight. A write reads
//     only the session's metadata (one HMGET), not the growing hash, so this stays linear.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Manager } from '../../src/manager'
import { getCookie, setCookie } from '../../src/adapters/node/index'
import { RedisStore } from '../../src/stores/redis'
import { decodeValue } from '../../src/codec'
import type { CookieAttributes } from '../../src/cookie'
import type { Session } from '../../src/session'
import { Client, SECRET_A, idOf, isDebugWasm } from '../manager/harness'
import { connectRedis, inPool, keysUnder, serveApp, type App } from './app'
import { startRedis, type RedisServer } from './process'
import { describeRedis } from './server'

const SESSION_COMMITS = 10_000
const CONCURRENCY = 100
/** One request, one commit (a write reads only the session's metadata, not the growing hash). */
const HTTP_COMMITS = 10_000
const project = isDebugWasm ? 'debug' : 'release'

/** The i < n whose field k<i> is missing or does not hold i. */
function missing(fields: ReadonlyMap<string, Uint8Array>, n: number): number[] {
  const lost: number[] = []
  for (let i = 0; i < n; i++) {
    const b = fields.get(`k${i}`)
    if (b === undefined || decodeValue(b) !== i) lost.push(i)
  }
  return lost
}

describeRedis('Redis under load', () => {
  let server: RedisServer
  let client: Redis
  const prefix = `load:${randomBytes(6).toString('hex')}:`

  beforeAll(async () => {
    server = await startRedis()
    // Generous timeouts: these tests are about lost writes, not latency, and both vitest projects
    // load the machine at once. A timed-out commit would fail the test (503 / a rejection).
    client = await connectRedis(server.url, { commandTimeout: 10_000 })
  })
  afterAll(async () => {
    if (client?.status === 'ready') for (const key of await keysUnder(client, prefix)) await client.unlink(key)
    client?.disconnect()
    await server?.stop()
  })

  // Proves: field-level commits never overwrite each other (no read-modify-write of the whole
  // hash). 10^4 requests (Session objects acquired from one cookie, one commit each) first all
  // load the record and set their own key, 100 at a time, so every one holds a copy in which no
  // other request's key exists yet; then they commit, 100 at a time. A store that wrote back
  // whole records would keep ~1 key; this one must keep all 10^4.
  // Timing (2 cores, both projects at once): ~1-3 s per project (10^4 small loads, then 10^4
  // commit scripts, 100 in flight on one connection).
  it(`${SESSION_COMMITS} requests on one cookie, each loaded before any commits, then committing its own key ${CONCURRENCY} at a time: 0 lost`, async () => {
    const store = new RedisStore(client, { prefix: `${prefix}s:`, timeout: 10_000 })
    let cookie: string | undefined
    const cookiesSent: CookieAttributes[] = []
    const manager = new Manager<any, object, object>({
      store,
      secrets: [SECRET_A],
      getCookie: () => cookie,
      setCookie: (c) => void cookiesSent.push(c),
    })
    try {
      const first = await manager.acquire({}, {})
      await first.set('kinit', 'init')
      await first.commit()
      cookie = cookiesSent[0]!.value
      const id = first.id
      cookiesSent.length = 0

      const t0 = performance.now()
      const requests: Session[] = new Array(SESSION_COMMITS)
      await inPool(SESSION_COMMITS, CONCURRENCY, async (i) => {
        const s: Session = await manager.acquire({}, {})
        await s.set(`k${i}`, i) // loads the record (as it is now: 'kinit' only), buffers the write
        requests[i] = s
      })
      const t1 = performance.now()
      let done = 0
      await inPool(SESSION_COMMITS, CONCURRENCY, async (i) => {
        const s = requests[i]!
        await s.commit()
        if (s.id !== id || s.isNew) throw new Error(`request ${i} lost the session at its commit`)
        done++
      })
      const t2 = performance.now()
      console.info(`[load ${project}] ${SESSION_COMMITS} requests on one cookie: loads ${Math.round(t1 - t0)} ms, then ${done} commits ${CONCURRENCY} at a time ${Math.round(t2 - t1)} ms`)
      expect(done).toBe(SESSION_COMMITS)
      // No cookie went out: the session was never lost, regenerated or re-signed.
      expect(cookiesSent).toEqual([])

      expect(await keysUnder(client, store.prefix)).toEqual([store.key(id)])
      expect(await client.hlen(store.key(id))).toBe(SESSION_COMMITS + 1 + 2) // + kinit, + 2 metadata
      const record = (await store.load(id))!
      expect(record.fields.size).toBe(SESSION_COMMITS + 1)
      const lost = missing(record.fields, SESSION_COMMITS)
      expect(lost.slice(0, 20), `${lost.length} writes lost`).toEqual([])
      // And a request on the cookie sees them all.
      const reader = await manager.acquire({}, {})
      expect(Object.keys(await reader.getAll()).length).toBe(SESSION_COMMITS + 1)
    } finally {
      await manager.close()
    }
  })

  // Proves the same end to end: one commit per HTTP request (acquire from the Cookie header,
  // load, set, commit), 100 requests in flight, every response 200 without a Set-Cookie, every
  // key in Redis afterwards.
  // Timing (2 cores, both projects at once): a few seconds per project for 10^4 requests.
  it(`${HTTP_COMMITS} concurrent HTTP requests on one session, one commit each to its own key: 0 lost`, async () => {
    const store = new RedisStore(client, { prefix: `${prefix}h:`, timeout: 10_000 })
    const manager = new Manager<any, IncomingMessage, ServerResponse>({ store, secrets: [SECRET_A], getCookie, setCookie })
    const app: App = await serveApp(manager, {
      '/put': async (s, url) => {
        const i = url.searchParams.get('i')!
        await s.set(`k${i}`, i === 'init' ? 'init' : Number(i))
      },
      '/count': async (s) => Object.keys(await s.getAll()).length,
    })
    try {
      const c = new Client(app.url)
      await c.ok('/put?i=init')
      const cookieValue = c.jar.get('session')!
      const id = idOf(cookieValue)
      const cookie = `session=${cookieValue}`

      const t0 = performance.now()
      const bad: string[] = []
      await inPool(HTTP_COMMITS, CONCURRENCY, async (i) => {
        const r = await c.request(`/put?i=${i}`, { cookie })
        // The session exists and was neither regenerated nor lost: no Set-Cookie at all (the
        // cookie lives until the absolute deadline; a write does not re-send it).
        if (r.status !== 200 || r.setCookies.length !== 0) bad.push(`${i}: ${r.status} ${JSON.stringify(r.body)} ${r.setCookies.join(' | ')}`)
      })
      const ms = performance.now() - t0
      console.info(`[load ${project}] ${HTTP_COMMITS} one-commit HTTP requests on one session, ${CONCURRENCY} at a time: ${Math.round(ms)} ms`)
      expect(bad.slice(0, 10), `${bad.length} requests failed`).toEqual([])

      expect(await keysUnder(client, store.prefix)).toEqual([store.key(id)])
      expect(await client.hlen(store.key(id))).toBe(HTTP_COMMITS + 1 + 2)
      const record = (await store.load(id))!
      expect(record.fields.size).toBe(HTTP_COMMITS + 1)
      const lost = missing(record.fields, HTTP_COMMITS)
      expect(lost.slice(0, 20), `${lost.length} writes lost`).toEqual([])
      // And a request sees them all (getAll through the Manager).
      expect((await c.ok('/count', { cookie })).body).toBe(HTTP_COMMITS + 1)
    } finally {
      await app.close()
      await manager.close()
    }
  })
})
