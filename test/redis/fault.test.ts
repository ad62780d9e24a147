// Faults on a real Redis, through node:http, the Manager and RedisStore:
//   - the server stops answering (SIGSTOP) and then dies (SIGKILL) with requests in flight, or
//     only stops answering: each request answers 503 STORE_UNAVAILABLE within the configured
//     timeout plus a margin, none hangs;
//   - the server is SIGKILLed in the middle of a stream of commits with appendonly yes and
//     appendfsync always, then restarted on the same port and dir: every commit that was
//     acknowledged is there, and the same client and store work again without a new client;
//   - a logout racing a slow commit or regenerate, many times with random interleavings, on one
//     node and on a three-master cluster: the old session key never exists afterwards, and the
//     logged-out data is nowhere once the logout answered first (0 resurrections).
//
// The processes are this file's own (test/redis/process.ts starts them on free ports), so the two
// vitest projects, which run this file at once, never share one. Nothing here sleeps for a fixed
// time: every wait is for a condition (a gate, a counter, a PING) under a deadline.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it, type TestContext } from 'vitest'
import { Manager } from '../../src/manager'
import { getCookie, setCookie } from '../../src/adapters/node/index'
import { RedisStore } from '../../src/stores/redis'
import { decodeValue } from '../../src/codec'
import { isSessionError } from '../../src/errors'
import type { CookieAttributes } from '../../src/cookie'
import { Client, SECRET_A, deferred, idOf, isDebugWasm, isRemoval, parseSetCookie } from '../manager/harness'
import { awaitReady, connectCluster, connectRedis, deadlineFetch, inPool, keysUnder, serveApp, type App, type Fetched } from './app'
import { processControl, redisServerPath, startCluster, startRedis, type RedisCluster, type RedisServer } from './process'
import { describeRedis } from './server'

const project = isDebugWasm ? 'debug' : 'release'
type NodeManager = Manager<any, IncomingMessage, ServerResponse>

/** A small seeded PRNG (mulberry32), so that a failing interleaving can be replayed: RACE_SEED=<n>. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve))

// ---------------------------------------------------------------------------------------------

describeRedis('Redis faults: a server that stops answering and dies, and one that restarts', () => {
  /** The client's commandTimeout and the store's timeout, ms. */
  const TIMEOUT = 500
  /** How late past TIMEOUT a request may answer (the brief's "small margin"). */
  const MARGIN = 1000
  /** A request with no answer by then has hung (well past TIMEOUT + MARGIN). */
  const HANG = TIMEOUT + MARGIN + 3000

  /**
   * 50 requests over node:http whose store call (17 guarded commits of sessions loaded before the
   * pause, 17 loads, 16 creates) went to a SIGSTOPped server; then, with `kill`, the server is
   * SIGKILLed while they are all in flight. Each must answer 503 STORE_UNAVAILABLE within
   * TIMEOUT + MARGIN of its store call, and none may hang (a client-side deadline of HANG).
   */
  async function inFlight(ctx: TestContext, kill: boolean): Promise<void> {
    if (!redisServerPath()) ctx.skip('needs redis-server on PATH')
    const own = await startRedis({ appendonly: false })
    const why = processControl(own)
    if (why) ctx.skip(why)
    let client: Redis | undefined
    let app: App | undefined
    let manager: NodeManager | undefined
    try {
      client = await connectRedis(own.url, { commandTimeout: TIMEOUT })
      const store = new RedisStore(client, { prefix: `fault:${randomBytes(4).toString('hex')}:`, timeout: TIMEOUT })
      manager = new Manager<any, IncomingMessage, ServerResponse>({ store, secrets: [SECRET_A], getCookie, setCookie })

      const N_COMMIT = 17
      const N_READ = 17
      const N_CREATE = 16
      const N = N_COMMIT + N_READ + N_CREATE
      /** performance.now() when each request's store call was about to be sent, by request number. */
      const issuedAt = new Map<number, number>()
      const allIssued = deferred()
      const allLoaded = deferred()
      const gate = deferred()
      let loaded = 0
      const issue = (i: number) => {
        issuedAt.set(i, performance.now())
        if (issuedAt.size === N) allIssued.resolve()
      }
      app = await serveApp(manager, {
        '/seed': async (s) => {
          await s.set('n', -1)
        },
        // Loads while the server is up, then waits at the gate: its commit (the guarded script)
        // is what goes to the stopped server.
        '/commit': async (s, url) => {
          const i = Number(url.searchParams.get('i'))
          await s.get('n')
          await s.set('n', i)
          if (++loaded === N_COMMIT) allLoaded.resolve()
          await gate.promise
          issue(i) // the commit follows as soon as this returns
        },
        // Its load goes to the stopped server.
        '/read': async (s, url) => {
          const i = Number(url.searchParams.get('i'))
          issue(i)
          return (await s.get('n')) ?? null
        },
        // No cookie: a fresh session, created by the commit after the route.
        '/create': async (s, url) => {
          const i = Number(url.searchParams.get('i'))
          await s.set('n', i)
          issue(i)
        },
      })
      const seeded = await new Client(app.url).ok('/seed')
      const cookie = `session=${parseSetCookie(seeded.setCookies[0]!).value}`

      const results = new Map<number, Promise<Fetched>>()
      for (let i = 0; i < N_COMMIT; i++) results.set(i, deadlineFetch(`${app.url}/commit?i=${i}`, { cookie }, HANG))
      await allLoaded.promise

      // Pause the server: it keeps its connections but answers nothing.
      process.kill(own.pid!, 'SIGSTOP')
      for (let i = N_COMMIT; i < N_COMMIT + N_READ; i++) results.set(i, deadlineFetch(`${app.url}/read?i=${i}`, { cookie }, HANG))
      for (let i = N_COMMIT + N_READ; i < N; i++) results.set(i, deadlineFetch(`${app.url}/create?i=${i}`, {}, HANG))
      gate.resolve()
      await allIssued.promise
      await nextTick() // let the last commits reach the socket
      expect(client.status).toBe('ready')
      // Every call is in flight now: kill -9 the paused server (or leave it paused, and the
      // connection up: then only the timeouts can end the calls).
      if (kill) await own.kill('SIGKILL')

      const outcomes = await Promise.all([...results].map(async ([i, p]) => ({ i, r: await p })))
      const problems: string[] = []
      let slowest = 0
      for (const { i, r } of outcomes) {
        const kind = i < N_COMMIT ? 'commit' : i < N_COMMIT + N_READ ? 'read' : 'create'
        if (r.hung) {
          problems.push(`${kind} ${i}: no answer within ${HANG} ms (hung): ${r.error}`)
          continue
        }
        const body = r.body as { error?: string; message?: string } | null
        if (r.status !== 503 || body?.error !== 'STORE_UNAVAILABLE') problems.push(`${kind} ${i}: ${r.status} ${JSON.stringify(body)}`)
      }
      for (const { i, r } of outcomes) {
        const ms = r.end - issuedAt.get(i)!
        slowest = Math.max(slowest, ms)
        if (ms > TIMEOUT + MARGIN) problems.push(`request ${i}: answered ${Math.round(ms)} ms after its store call (limit ${TIMEOUT + MARGIN})`)
        // Paused, not killed: nothing but a timer can have ended the call (a little slack for
        // the moment issuedAt was taken, just before the call).
        if (!kill && ms < TIMEOUT - 20) problems.push(`request ${i}: answered ${Math.round(ms)} ms after its store call, before any timeout could fire`)
      }
      console.info(`[fault ${project}] ${N} in-flight requests on a SIGSTOPped${kill ? ' then SIGKILLed' : ''} Redis: slowest 503 ${Math.round(slowest)} ms after its store call`)
      expect(problems).toEqual([])
      if (!kill) {
        expect(client.status).toBe('ready') // the connection never dropped
        return
      }

      // The server is gone: new requests fail just as fast (nothing queues: enableOfflineQueue false).
      const t0 = performance.now()
      const dead = await Promise.all(Array.from({ length: 10 }, (_, i) => deadlineFetch(`${app!.url}/read?i=${100 + i}`, { cookie }, HANG)))
      for (const r of dead) {
        expect(r.hung).toBe(false)
        if (!r.hung) expect([r.status, (r.body as { error?: string }).error]).toEqual([503, 'STORE_UNAVAILABLE'])
      }
      expect(performance.now() - t0).toBeLessThan(TIMEOUT + MARGIN)

      // Restarted (no AOF: the data is gone, which is not what this test is about), the same
      // client reconnects by itself and the app serves again.
      await own.restart()
      await awaitReady(client, 15_000)
      const after = await deadlineFetch(`${app.url}/create?i=999`, {}, HANG)
      expect(after.hung ? 'hung' : after.status).toBe(200)
    } finally {
      await app?.close()
      await manager?.close()
      client?.disconnect()
      await own.kill('SIGKILL').catch(() => undefined)
      await own.stop()
    }
  }

  // Proves: with the recommended client settings (commandTimeout, maxRetriesPerRequest 1, no
  // offline queue) and the store's timeout, a Redis that stops answering and then dies fails
  // every request in flight fast and typed (see inFlight). Then requests to the dead server fail
  // just as fast, and after a restart the same client serves again.
  // Timing: ~0.4-0.6 s; the in-flight calls fail ~100 ms after their call, when the dropped
  // connection's one reconnect attempt is refused (maxRetriesPerRequest 1), well before TIMEOUT.
  it('SIGSTOP then SIGKILL with 50 requests in flight: each answers 503 STORE_UNAVAILABLE within the timeout + 1 s, none hangs', async (ctx) => {
    await inFlight(ctx, true)
  })

  // Proves: a server that is up but answers nothing (SIGSTOP: the connection stays open, no
  // error, no close) is bounded by the timeouts alone: every in-flight call fails at TIMEOUT
  // (not before, not more than MARGIN after).
  // Timing: ~0.6-0.8 s (TIMEOUT plus start-up).
  it('SIGSTOP with 50 requests in flight (connection up, no answer): each answers 503 STORE_UNAVAILABLE at the timeout, none hangs', async (ctx) => {
    await inFlight(ctx, false)
  })

  // Proves: with appendonly yes and appendfsync always, a commit that the store acknowledged
  // (Session.commit resolved, the session kept) survives kill -9 of the server: every one of them
  // is in Redis after a restart from the same dir; commits that failed may or may not be there.
  // It also proves the store recovers without a new client: the same ioredis client (reconnecting
  // by itself) and the same RedisStore and Manager serve again once PING answers. (A SIGKILL ends
  // the process, not the machine: what the kernel already holds survives it even without fsync,
  // so this shows that Redis replies only after the AOF write, not that the fsync reached disk.)
  // Timing: ~1-2 s (600 commits at 10 in flight, the kill after the 300th acknowledgement, the
  // restart replaying the AOF).
  it('SIGKILL mid-stream with appendfsync always: every acknowledged commit survives the restart; the same client and store recover', async (ctx) => {
    if (!redisServerPath()) ctx.skip('needs redis-server on PATH')
    const own = await startRedis({ appendonly: true })
    const why = processControl(own)
    if (why) ctx.skip(why)
    let client: Redis | undefined
    let manager: Manager<any, { cookie?: string }, { cookies: CookieAttributes[] }> | undefined
    try {
      expect(await own.command('CONFIG', 'GET', 'appendfsync')).toEqual(['appendfsync', 'always'])
      expect(await own.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'yes'])
      client = await connectRedis(own.url, { commandTimeout: TIMEOUT })
      const store = new RedisStore(client, { prefix: `aof:${randomBytes(4).toString('hex')}:`, timeout: TIMEOUT })
      // In-process requests: a request is the cookie it carries; a response collects the cookies
      // that went out.
      manager = new Manager<any, { cookie?: string }, { cookies: CookieAttributes[] }>({
        store,
        secrets: [SECRET_A],
        getCookie: (_name, req) => req.cookie,
        setCookie: (c, res) => void res.cookies.push(c),
      })
      const m = manager
      const create = async (fields: Record<string, number>): Promise<{ id: string; cookie: string }> => {
        const res = { cookies: [] as CookieAttributes[] }
        const s = await m.acquire({}, res)
        for (const [k, v] of Object.entries(fields)) await s.set(k, v)
        await s.commit()
        if (res.cookies.length !== 1 || s.isNew) throw new Error(`not created: ${JSON.stringify(res.cookies)}`)
        return { id: s.id, cookie: res.cookies[0]!.value }
      }

      // Five sessions that get one new field per commit, five streams that create a new session
      // (a new key) per commit: 600 commits, 10 at a time.
      const FIELD_STREAMS = 5
      const CREATE_STREAMS = 5
      const PER_STREAM = 60
      const KILL_AFTER = 300
      const homes = await Promise.all(Array.from({ length: FIELD_STREAMS }, () => create({ home: 1 })))
      /** Acknowledged: session id → field → value. */
      const acked = new Map<string, Map<string, number>>()
      for (const h of homes) acked.set(h.id, new Map([['home', 1]]))
      let ackCount = 0
      let failed = 0
      const otherErrors: string[] = []
      let killed: Promise<void> | undefined
      let killedAtAck = -1
      const ack = (id: string, field: string, value: number) => {
        if (!acked.has(id)) acked.set(id, new Map())
        acked.get(id)!.set(field, value)
        if (++ackCount === KILL_AFTER) {
          killedAtAck = ackCount
          killed = own.kill('SIGKILL')
        }
      }
      const t0 = performance.now()
      await inPool(FIELD_STREAMS + CREATE_STREAMS, FIELD_STREAMS + CREATE_STREAMS, async (w) => {
        for (let j = 0; j < PER_STREAM; j++) {
          const value = w * 1000 + j
          try {
            if (w < FIELD_STREAMS) {
              const home = homes[w]!
              const s = await m.acquire({ cookie: home.cookie }, { cookies: [] })
              await s.set(`f${j}`, value)
              await s.commit()
              // Kept (not a session found gone, which would have moved to a new ID).
              if (s.id === home.id && !s.isNew) ack(home.id, `f${j}`, value)
              else otherErrors.push(`stream ${w}: session lost at commit ${j}`)
            } else {
              const made = await create({ c: value })
              ack(made.id, 'c', value)
            }
          } catch (err) {
            if (isSessionError(err, 'STORE_UNAVAILABLE')) failed++
            else otherErrors.push(`stream ${w} commit ${j}: ${String(err)}`)
          }
        }
      })
      await killed
      const streamMs = performance.now() - t0
      expect(otherErrors).toEqual([])
      // Mid-stream: acknowledged ones before the kill, failed ones after it.
      expect(killedAtAck).toBe(KILL_AFTER)
      expect(ackCount).toBeGreaterThanOrEqual(KILL_AFTER)
      expect(failed).toBeGreaterThan(0)
      expect(ackCount + failed).toBe((FIELD_STREAMS + CREATE_STREAMS) * PER_STREAM)

      const pidBefore = own.pid
      const t1 = performance.now()
      await own.restart()
      expect(own.pid).not.toBe(pidBefore)
      // The same client: no new connection object, it reconnects by itself.
      const reconnectMs = await awaitReady(client, 15_000)
      console.info(
        `[fault ${project}] AOF: ${ackCount} acknowledged, ${failed} failed of ${ackCount + failed} (${Math.round(streamMs)} ms); restart + reconnect ${Math.round(performance.now() - t1)} ms (PING after ${Math.round(reconnectMs)} ms)`,
      )

      // Every acknowledged write is there, read through the same store.
      const missing: string[] = []
      for (const [id, fields] of acked) {
        const record = await store.load(id)
        if (!record) {
          missing.push(`${id}: the whole session`)
          continue
        }
        for (const [field, value] of fields) {
          const b = record.fields.get(field)
          if (b === undefined || decodeValue(b) !== value) missing.push(`${id}.${field}`)
        }
      }
      expect(missing.slice(0, 20), `${missing.length} acknowledged writes lost`).toEqual([])

      // And the same Manager/store write and read again.
      const home = homes[0]!
      const s = await m.acquire({ cookie: home.cookie }, { cookies: [] })
      await s.set('after', 42)
      await s.commit()
      const again = await m.acquire({ cookie: home.cookie }, { cookies: [] })
      expect(await again.get('after')).toBe(42)
      expect(again.id).toBe(home.id)
    } finally {
      await manager?.close()
      client?.disconnect()
      await own.stop()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Logout racing a slow commit

/** Where the slow request waits for the test: before it loads, or after its write, before commit. */
type Hold = 'beforeLoad' | 'beforeCommit'
/** How the slow request is let go: after the logout has answered, or together with the logout. */
type Release = 'afterLogout' | 'together'

interface RaceTarget {
  client: Redis | Cluster
  /** EXISTS of `key` on the node that owns it (a cluster's other masters answer MOVED). */
  existsOnOwner(key: string): Promise<number>
}

const RACES = 200

/**
 * RACES logout races on `target`: a slow request (read+set, or set only; then a regenerate, or
 * not) holds at one of two points, a logout with the same cookie completes (or runs at the same
 * time), then the slow request goes on and commits. After each: the old session's key does not
 * exist (on the node that owns it), the slow request's write lives, if anywhere, only in a
 * session with a NEW id that its own response handed out (a session it found gone starts fresh,
 * by design), and when the logout answered first the logged-out data is in no session at all.
 */
async function logoutRaces(target: RaceTarget, label: string): Promise<void> {
  const seed = Number(process.env.RACE_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const random = prng(seed)
  const store = new RedisStore(target.client, { prefix: `race:${randomBytes(4).toString('hex')}:` })
  const manager = new Manager<any, IncomingMessage, ServerResponse>({ store, secrets: [SECRET_A], getCookie, setCookie })
  const gates = new Map<string, { reached: ReturnType<typeof deferred<void>>; go: ReturnType<typeof deferred<void>> }>()
  const app = await serveApp(manager, {
    '/login': async (s) => {
      await s.set('user', 'ada')
    },
    '/slow': async (s, url) => {
      const i = url.searchParams.get('i')!
      const g = gates.get(i)!
      const hold = url.searchParams.get('hold') as Hold
      if (hold === 'beforeLoad') {
        g.reached.resolve()
        await g.go.promise
      }
      if (url.searchParams.get('read') === '1') await s.get('user')
      await s.set(`late${i}`, `late write ${i}`)
      if (hold === 'beforeCommit') {
        g.reached.resolve()
        await g.go.promise
      }
      if (url.searchParams.get('regenerate') === '1') await s.regenerate()
      // serveApp commits after this returns
    },
    '/logout': async (s) => {
      await s.destroy()
    },
  })
  const counts = new Map<string, number>()
  const failures: string[] = []
  const t0 = performance.now()
  try {
    for (let i = 0; i < RACES; i++) {
      // The 16 shapes in turn (each runs RACES / 16 times, so none can be missed by chance); the
      // timing within a shape is random.
      const read = (i & 1) === 1
      const regenerate = (i & 2) === 2
      const hold: Hold = (i & 4) === 4 ? 'beforeLoad' : 'beforeCommit'
      const release: Release = (i & 8) === 8 ? 'together' : 'afterLogout'
      const jitter = Math.floor(random() * 4) // setImmediate turns between releasing the slow request and sending the logout
      const shape = `${read ? 'read+set' : 'set-only'}${regenerate ? '+regenerate' : ''}/${hold}/${release}`
      counts.set(shape, (counts.get(shape) ?? 0) + 1)
      const where = `${label} race ${i} (${shape}, jitter ${jitter}, RACE_SEED=${seed})`

      const c = new Client(app.url)
      await c.ok('/login')
      const oldCookie = c.jar.get('session')!
      const oldId = idOf(oldCookie)
      const oldKey = store.key(oldId)
      if ((await target.existsOnOwner(oldKey)) !== 1) throw new Error(`${where}: the session was not created`)
      const cookie = `session=${oldCookie}`

      const g = { reached: deferred(), go: deferred() }
      gates.set(String(i), g)
      const slow = c.request(`/slow?i=${i}&read=${read ? 1 : 0}&regenerate=${regenerate ? 1 : 0}&hold=${hold}`, { cookie })
      await g.reached.promise
      let logout: Awaited<ReturnType<Client['request']>>
      if (release === 'afterLogout') {
        logout = await c.request('/logout', { cookie })
        g.go.resolve()
      } else {
        g.go.resolve()
        for (let t = 0; t < jitter; t++) await nextTick()
        logout = await c.request('/logout', { cookie })
      }
      const late = await slow
      gates.delete(String(i))

      if (logout.status !== 200) failures.push(`${where}: logout answered ${logout.status} ${JSON.stringify(logout.body)}`)
      if (late.status !== 200) failures.push(`${where}: the slow request answered ${late.status} ${JSON.stringify(late.body)}`)
      // 0 resurrections: the old key is gone, on the node that owns it.
      const exists = await target.existsOnOwner(oldKey)
      if (exists !== 0) failures.push(`${where}: the old session key exists after the logout (resurrected: ${JSON.stringify(await target.client.hgetall(oldKey))})`)

      // The late write lives nowhere, or only under a NEW id this response handed out.
      const handedOut = late.cookies.filter((x) => x.name === 'session' && !isRemoval(x)).map((x) => idOf(x.value))
      if (handedOut.includes(oldId)) failures.push(`${where}: the slow request handed out the old id again`)
      const holders: string[] = []
      const keys = await keysUnder(target.client, store.prefix)
      for (const key of keys) {
        if ((await target.client.hexists(key, `late${i}`)) === 1) holders.push(key)
      }
      // A logout that answered before the slow request went on wins: the logged-out data (the
      // login's field) is in no session at all, whatever the slow request did, regenerate included.
      if (release === 'afterLogout') {
        for (const key of keys) {
          if ((await target.client.hexists(key, 'user')) === 1) failures.push(`${where}: the logged-out data came back in ${key === oldKey ? 'the old session' : 'a new session'}`)
        }
      }
      const allowed = new Set(handedOut.map((id) => store.key(id)))
      for (const key of holders) {
        if (key === oldKey || !allowed.has(key)) failures.push(`${where}: the late write is in ${key === oldKey ? 'the OLD session' : `a session nobody was given (${key})`}`)
      }
      // When the logout had answered before the slow request went on and it had already loaded,
      // the outcome is fixed: its commit is refused, nothing is written, its response removes
      // the cookie and hands out none.
      if (release === 'afterLogout' && hold === 'beforeCommit' && !regenerate) {
        if (holders.length !== 0 || handedOut.length !== 0) failures.push(`${where}: expected the late commit to be dropped, got holders ${holders.join(',')} / cookies ${late.setCookies.join(' | ')}`)
        if (!late.cookies.some((x) => x.name === 'session' && isRemoval(x))) failures.push(`${where}: the late response did not remove the dead cookie`)
      }
      for (const key of holders) await target.client.unlink(key)
      if (failures.length >= 10) break
    }
  } finally {
    await app.close()
    await manager.close()
  }
  console.info(`[race ${project}] ${label}: ${RACES} logout races in ${Math.round(performance.now() - t0)} ms (RACE_SEED=${seed}); shapes ${JSON.stringify(Object.fromEntries(counts))}`)
  expect(failures).toEqual([])
  expect(counts.size).toBe(16)
  expect(await keysUnder(target.client, store.prefix)).toEqual([])
}

describeRedis('Redis: logout racing a slow commit, one node', () => {
  let server: RedisServer
  let client: Redis
  beforeAll(async () => {
    server = await startRedis()
    client = await connectRedis(server.url)
  })
  afterAll(async () => {
    client?.disconnect()
    await server?.stop()
  })

  // Proves: the guarded commit and regenerate (HGET createdAt → 0 when the session is gone) and
  // UNLINK on logout leave no interleaving in which a late request brings the old session back.
  // Timing: ~2-4 s for 200 races (each: login, slow request, logout, checks: ~6 round trips).
  it(`${RACES} random interleavings: 0 resurrections`, async () => {
    await logoutRaces({ client, existsOnOwner: (key) => client.exists(key) }, 'one node')
  })
})

describeRedis(
  'Redis: logout racing a slow commit, cluster',
  () => {
    let cluster: RedisCluster
    let client: Cluster
    beforeAll(async () => {
      cluster = await startCluster()
      client = await connectCluster(cluster.nodes)
    })
    afterAll(async () => {
      client?.disconnect()
      await cluster?.stop()
    })

    // Proves the same on a three-master cluster through ioredis' Cluster: every script is routed by
    // its one key, so the guard holds on whichever node owns the session, and a regenerate (whose
    // two keys live on different nodes) takes the old session in one script before it creates
    // the new one, so a logout either finds it or finds nothing to destroy. The existence check
    // asks each master directly: exactly one owns the slot (the others answer MOVED), and it
    // must answer 0.
    // Timing: ~2-4 s for 200 races.
    it(`${RACES} random interleavings: 0 resurrections`, async () => {
      const existsOnOwner = async (key: string): Promise<number> => {
        const answers = await Promise.all(
          cluster.servers.map((s) =>
            s.command('EXISTS', key).then(
              (v) => ({ v }),
              (err: Error) => ({ moved: /^MOVED /.test(err.message), err }),
            ),
          ),
        )
        const owners = answers.filter((a): a is { v: number } => 'v' in a)
        const others = answers.filter((a) => !('v' in a)) as { moved: boolean; err: Error }[]
        if (owners.length !== 1 || others.some((o) => !o.moved)) throw new Error(`EXISTS ${key} on each master: ${JSON.stringify(answers.map((a) => ('v' in a ? a.v : a.err.message)))}`)
        const viaClient = await client.exists(key)
        if (viaClient !== owners[0]!.v) throw new Error(`EXISTS ${key}: the owner says ${owners[0]!.v}, the Cluster client ${viaClient}`)
        return owners[0]!.v
      }
      await logoutRaces({ client, existsOnOwner }, 'cluster')
    })
  },
  { cluster: true },
)
