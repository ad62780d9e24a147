// RedisStore against real servers (test/redis/process.ts starts them; REDIS_URL may point at one):
// the conformance suite on one node (keys by ID and by SHA-256 of the ID) and on a three-master
// cluster (both ways again, through ioredis' Cluster), then what is Redis's own: the layout of a
// session's hash and its expiry, binary safety, hashed keys that leak no ID, the guard that keeps a
// commit from re-creating a deleted session, the commands each method sends (one HMGET for
// getMulti; never KEYS or SCAN), the prefix and URL options, failures mapped to
// STORE_UNAVAILABLE (fast, named by the method, never a null) including replies and metadata the
// store did not write, options checked at construction, and the owner index on both topologies
// (the cap, members that are not the owner's, the sets' expiry: raised, fitted, never lowered, and
// a lost member put back; the Cluster's separate commands, their failures and its memory of a
// set's expiry, the last also without a server, on faked clocks).
//
// Every file runs twice at once (release and debug projects), so each run starts its own
// servers on free ports; within a run, every conformance test gets a fresh key prefix.

import { createHash, randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { SessionError, isSessionError } from '../../src/errors'
import { Manager } from '../../src/manager'
import type { Session } from '../../src/session'
import type { CookieAttributes } from '../../src/cookie'
import { RedisStore, recommendedClientOptions, type RedisStoreOptions } from '../../src/stores/redis'
import type { SessionMeta } from '../../src/stores/types'
import { core } from '../../src/wasm/index'
import { patternBytes, toHex, utf8 } from '../helpers/bytes'
import { rejection } from '../helpers/async'
import { keysUnder } from '../redis/app'
import { describeStore, newId, type StoreFixture } from './conformance'
import { freePort, processControl, redisServerPath, startCluster, startRedis, type RedisCluster, type RedisServer } from '../redis/process'
import { describeRedis } from '../redis/server'

const HOUR = 3_600_000
/** Deadlines of the conformance suite's expiry cases (Redis expires on the server's clock). */
const REAL_TTL = 200
const SECRET = 'redis-store-test-secret-of-32-bytes-or-more'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
/** Every prefix handed out, so that afterAll can delete what a test left (on a shared REDIS_URL server too). */
const prefixes: string[] = []
const freshPrefix = (tag = 't') => {
  const prefix = `${tag}:${randomBytes(6).toString('hex')}:`
  prefixes.push(prefix)
  return prefix
}
const meta = (ttl = HOUR): SessionMeta => ({ createdAt: Date.now(), expiresAt: Date.now() + ttl })
const one = (name: string, value: Uint8Array) => new Map([[name, value]])
const owned = (owner: string, handle: string, ttl = HOUR): SessionMeta => ({ ...meta(ttl), owner, handle })
const hex = (b: Uint8Array | null | undefined) => (b == null ? b : toHex(b))
const sha256url = (id: string) => createHash('sha256').update(id, 'utf8').digest('base64url')

/** Asserts a STORE_UNAVAILABLE with an Error as cause; returns the cause. */
function expectUnavailable(err: unknown): Error {
  expect(isSessionError(err, 'STORE_UNAVAILABLE'), `expected STORE_UNAVAILABLE, got ${String(err)}`).toBe(true)
  const cause = (err as SessionError).cause
  expect(cause).toBeInstanceOf(Error)
  return cause as Error
}

async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<void> {
  if (client.status !== 'ready') return
  // One key a command: on a cluster a multi-key UNLINK across slots is refused.
  for (const key of await keysUnder(client, prefix)) await client.unlink(key)
}

function fixture(client: Redis | Cluster, options: RedisStoreOptions = {}): StoreFixture {
  const prefix = freshPrefix()
  const store = new RedisStore(client, { ...options, prefix })
  return { store, clock: undefined, cleanup: () => deleteKeys(client, prefix) }
}

async function connect(url: string): Promise<Redis> {
  const client = new Redis(url, { ...recommendedClientOptions, lazyConnect: true })
  await client.connect()
  return client
}

/** The commands a client sends while `fn` runs, as seen by MONITOR (scripts' inner calls left out unless `inner`). */
async function commandsDuring(client: Redis, fn: () => Promise<void>, inner = false): Promise<string[][]> {
  const monitor = await client.monitor()
  const seen: string[][] = []
  const marker = `marker-${randomBytes(4).toString('hex')}`
  let resolveDone!: () => void
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolveDone()
    else if (inner || source !== 'lua') seen.push(args)
  })
  try {
    await fn()
    await client.echo(marker)
    await done
  } finally {
    monitor.disconnect()
  }
  return seen
}

/**
 * The cap of the owner index, on a store with maxSessionsPerOwner 3: five logins whose expiries
 * grow, but the first one's expires last of all; the two that expire soonest of the others end.
 */
async function expectCapped(store: RedisStore, client: Redis | Cluster): Promise<void> {
  const ids = Array.from({ length: 5 }, () => newId())
  for (const [i, id] of ids.entries()) await store.create(id, owned('ada', `h${i}`, i === 0 ? 10 * HOUR : HOUR + i * 1000))
  expect((await store.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['h0', 'h3', 'h4'])
  expect(await store.load(ids[1]!)).toBeNull()
  expect(await client.scard(store.prefix + 'owner.ada')).toBe(3)
}

/**
 * Twenty sessions of one owner; then, at once, a destroy-all through `admin` and, through `app`,
 * twenty logins and regenerates of ten of those sessions. Afterwards the sessions from before are
 * gone, every live one of the owner is listed, and a second destroy-all ends them all.
 */
async function raceLoginsWithDestroyAll(app: RedisStore, admin: RedisStore): Promise<void> {
  const before = Array.from({ length: 20 }, () => newId())
  for (const [i, id] of before.entries()) await app.create(id, owned('ada', `old${i}`))
  const logins = Array.from({ length: 20 }, () => newId())
  const moved = before.slice(0, 10).map(() => newId())
  await Promise.all([
    admin.destroySessions('ada'),
    ...logins.map((id, i) => app.create(id, owned('ada', `new${i}`))),
    ...before.slice(0, 10).map((id, i) => app.regenerate(id, moved[i]!, { expiresAt: meta().expiresAt })),
  ])
  for (const id of before) expect(await app.load(id)).toBeNull()
  const listed = new Set((await admin.listSessions('ada')).map((x) => x.handle))
  for (const id of [...logins, ...moved]) {
    const r = await app.load(id)
    if (r) expect(listed.has(r.meta.handle!)).toBe(true)
  }
  await admin.destroySessions('ada')
  for (const id of [...logins, ...moved]) expect(await app.load(id)).toBeNull()
  expect(await admin.listSessions('ada')).toEqual([])
}

/** Polls `check` until it returns true, failing after `ms` (no fixed sleep stands in for a condition). */
async function waitUntil(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await sleep(20)
  }
}

/** PTTL as a lifetime: -1 (no expiry) is Infinity; -2 (no key) is -2. */
async function lifetime(client: Redis | Cluster, key: string): Promise<number> {
  const ms = await client.pttl(key)
  return ms === -1 ? Infinity : ms
}

/** The owner's set exists and lasts at least as long as each live session in `ids` (read before them: time only shortens those). */
async function expectSetCovers(store: RedisStore, client: Redis | Cluster, owner: string, ids: string[]): Promise<void> {
  const set = await lifetime(client, store.prefix + 'owner.' + owner)
  let longest = 0
  for (const id of ids) longest = Math.max(longest, await lifetime(client, store.key(id)))
  expect(set, `the set of ${owner} lasts ${set} ms, a session ${longest} ms`).toBeGreaterThanOrEqual(longest)
  // …and ends when they all have: it has a TTL unless a session has none.
  if (longest !== Infinity) expect(set).toBeLessThan(Infinity)
}

/**
 * The owner set's expiry follows its sessions: it gets one on create and is raised (never
 * lowered) by every write that moves a session's expiry; a session without expiry makes it
 * persistent. `slack`: the most it may exceed the longest session (the Cluster's headroom).
 */
async function ownerSetFollowsExpiry(store: RedisStore, client: Redis | Cluster, slack: number): Promise<void> {
  const ix = store.prefix + 'owner.ada'
  const [a, b, a2] = [newId(), newId(), newId()]
  await store.create(a, owned('ada', 'a', HOUR))
  expect(await client.pttl(ix)).toBeGreaterThan(0)
  await expectSetCovers(store, client, 'ada', [a])
  expect(await client.pttl(ix)).toBeLessThanOrEqual(HOUR * slack)
  await store.create(b, owned('ada', 'b', 2 * HOUR))
  await expectSetCovers(store, client, 'ada', [a, b])
  expect(await store.commit(a, { set: one('x', Uint8Array.of(1)), expiresAt: Date.now() + 3 * HOUR })).toBe(true)
  await expectSetCovers(store, client, 'ada', [a, b])
  expect(await store.touch(b, Date.now() + 4 * HOUR)).toBe(true)
  await expectSetCovers(store, client, 'ada', [a, b])
  expect(await store.regenerate(a, a2, { expiresAt: Date.now() + 5 * HOUR })).toBe('ok')
  await expectSetCovers(store, client, 'ada', [a2, b])
  const high = await client.pttl(ix)
  // Moving a session's expiry down never lowers the set's (another session may need it).
  expect(await store.commit(a2, { expiresAt: Date.now() + HOUR })).toBe(true)
  expect(await client.pttl(ix)).toBeGreaterThan(high - 1000)
  // An owner change gives the new owner's set an expiry too.
  expect(await store.commit(b, { owner: 'bob', expiresAt: Date.now() + 2 * HOUR })).toBe(true)
  await expectSetCovers(store, client, 'bob', [b])
  // A session without expiry keeps its set for ever.
  const c = newId()
  await store.create(c, owned('ada', 'c', Infinity))
  expect(await client.pttl(ix)).toBe(-1)
  expect(await store.commit(a2, { expiresAt: Date.now() + 6 * HOUR })).toBe(true)
  expect(await client.pttl(ix)).toBe(-1)
}

/**
 * Real lifetimes: sessions of 500 to 900 ms, two of them moved by a commit and a touch. Until
 * the last one ends, every poll finds the set holding every live one; after it, the set is gone
 * by itself (no listing cleaned it up).
 */
async function ownerSetEndsWithItsSessions(store: RedisStore, client: Redis | Cluster): Promise<void> {
  const ix = store.prefix + 'owner.ada'
  const ids = [newId(), newId(), newId()]
  await store.create(ids[0]!, owned('ada', 'a', 500))
  await store.create(ids[1]!, owned('ada', 'b', 500))
  await store.create(ids[2]!, owned('ada', 'c', 500))
  expect(await store.commit(ids[1]!, { set: one('x', Uint8Array.of(1)), expiresAt: Date.now() + 800 })).toBe(true)
  expect(await store.touch(ids[2]!, Date.now() + 900)).toBe(true)
  await waitUntil('the owner set expired with its last session', async () => {
    const live = (await Promise.all(ids.map((id) => client.exists(store.key(id))))).filter((n) => n === 1).length
    const members = await client.smembers(ix)
    if (live > 0) {
      // A live session never finds its set gone.
      for (const id of ids) if ((await client.exists(store.key(id))) === 1) expect(members).toContain(store.key(id))
      return false
    }
    return (await client.exists(ix)) === 0
  }, 8000)
}

/**
 * A live session that lost its owner set behind the store's back (an operator's DEL, an
 * eviction) is put back by its next write that moves the expiry, a commit or a touch, even when
 * another session's write has made the set anew since: listed again, and ended by a destroy-all.
 */
async function lostSessionsComeBack(store: RedisStore, client: Redis | Cluster): Promise<void> {
  const ix = store.prefix + 'owner.ada'
  const [a, b] = [newId(), newId()]
  await store.create(a, owned('ada', 'a', HOUR))
  await store.create(b, owned('ada', 'b', HOUR))
  await client.del(ix)
  expect(await store.listSessions('ada')).toEqual([])
  expect(await store.commit(a, { set: one('x', Uint8Array.of(1)), expiresAt: Date.now() + 3 * HOUR })).toBe(true)
  expect((await store.listSessions('ada')).map((x) => x.handle)).toEqual(['a'])
  await expectSetCovers(store, client, 'ada', [a])
  // The set is back, with a alone: b's move must still join it.
  expect(await store.touch(b, Date.now() + 3 * HOUR)).toBe(true)
  expect((await store.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['a', 'b'])
  await expectSetCovers(store, client, 'ada', [a, b])
  expect(await store.destroySessions('ada')).toBe(2)
  expect(await store.load(a)).toBeNull()
  expect(await store.load(b)).toBeNull()
}

/**
 * A session joining a set that held it already, alone (written by hand here), keeps the set's
 * longer expiry: only a set that the join made takes the session's lifetime.
 */
async function rejoiningNeverLowersTheSet(store: RedisStore, client: Redis | Cluster): Promise<void> {
  const ix = store.prefix + 'owner.ada'
  const a = newId()
  await store.create(a, meta(HOUR))
  await client.sadd(ix, store.key(a))
  await client.pexpire(ix, 10 * HOUR)
  expect(await store.commit(a, { owner: 'ada', handle: 'a', expiresAt: Date.now() + HOUR })).toBe(true)
  expect(await client.pttl(ix)).toBeGreaterThan(9 * HOUR)
  expect((await store.listSessions('ada')).map((x) => x.handle)).toEqual(['a'])
}

/**
 * A set without expiry that holds a live member (as one written before sets had one: SADD by
 * hand) gets one at its owner's next login, fitted to its longest member (times `slack`: the
 * Cluster's headroom); a member without expiry keeps it persistent.
 */
async function persistentSetFittedAtLogin(store: RedisStore, client: Redis | Cluster, slack: number): Promise<void> {
  const ix = store.prefix + 'owner.ada'
  const [a, b] = [newId(), newId()]
  await store.create(a, owned('ada', 'a', 2 * HOUR))
  await client.del(ix)
  await client.sadd(ix, store.key(a))
  expect(await client.pttl(ix)).toBe(-1)
  await store.create(b, owned('ada', 'b', HOUR))
  await expectSetCovers(store, client, 'ada', [a, b])
  expect(await client.pttl(ix)).toBeLessThanOrEqual(2 * HOUR * slack)
  const [c, d] = [newId(), newId()]
  await store.create(c, owned('ada', 'c', Infinity))
  expect(await client.pttl(ix)).toBe(-1)
  await store.create(d, owned('ada', 'd', HOUR))
  expect(await client.pttl(ix)).toBe(-1)
  expect((await store.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['a', 'b', 'c', 'd'])
}

/** An owner set without expiry holding one live session `a` of 2 h (as one written before sets had one). */
async function legacySet(client: Redis | Cluster): Promise<{ prefix: string; ix: string; plain: RedisStore; a: string }> {
  const prefix = freshPrefix('owners')
  const ix = prefix + 'owner.ada'
  const plain = new RedisStore(client, { prefix })
  const a = newId()
  await plain.create(a, owned('ada', 'a', 2 * HOUR))
  await client.del(ix)
  await client.sadd(ix, plain.key(a))
  return { prefix, ix, plain, a }
}

/**
 * `client` with some of its methods answering otherwise: a client that replies in another shape,
 * or one command that fails. Everything else is the client's own (scripts are defined on it).
 */
function answering<C extends Redis | Cluster>(client: C, overrides: Record<string, (...args: unknown[]) => unknown>): C {
  return new Proxy(client, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop]
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

/** A client of the shape the store accepts, without ioredis (no options): ready, `unlink` answers 1; `extra` adds or replaces members. */
function shapedClient(extra: Record<string, unknown> = {}): Redis {
  const fn = () => undefined
  return { status: 'ready', defineCommand: fn, hmgetBuffer: fn, unlink: async () => 1, disconnect: fn, ...extra } as unknown as Redis
}

/** The names of the commands a Cluster client sends while `fn` runs (a NOSCRIPT retry, EVAL, is left out: the same command again). */
async function sentDuring(client: Cluster, fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = []
  const send = client.sendCommand
  client.sendCommand = function (this: Cluster, ...args: Parameters<Cluster['sendCommand']>) {
    sent.push(args[0].name)
    return send.apply(this, args)
  } as Cluster['sendCommand']
  try {
    await fn()
  } finally {
    client.sendCommand = send
  }
  return sent.filter((name) => name !== 'eval')
}

/**
 * The cap (a store with maxSessionsPerOwner 2) never ends the login being made, even when it
 * expires soonest, and a dead member costs no live session its place.
 */
async function capSparesTheNewAndTheLive(store: RedisStore, client: Redis | Cluster): Promise<void> {
  const [a, b, c, d] = [newId(), newId(), newId(), newId()]
  await store.create(a, owned('ada', 'a', 10 * HOUR))
  await store.create(b, owned('ada', 'b', 9 * HOUR))
  await store.create(c, owned('ada', 'c', HOUR))
  expect(await store.load(b)).toBeNull()
  expect(await client.scard(store.prefix + 'owner.ada')).toBe(2) // the ended one left the set with it, not at the next listing
  expect((await store.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['a', 'c'])
  await store.destroy(a)
  await store.create(d, owned('ada', 'd', HOUR))
  expect((await store.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['c', 'd'])
}

/**
 * Members of an owner's set that are not the owner's sessions any more (another owner's, or no
 * owner's) are neither listed nor ended, and the owner's calls take them out of the set.
 */
async function strangersInTheOwnerSet(store: RedisStore, client: Redis | Cluster): Promise<void> {
  const ix = store.prefix + 'owner.ada'
  const [ada, bob, nobody] = [newId(), newId(), newId()]
  await store.create(ada, owned('ada', 'a'))
  await store.create(bob, owned('bob', 'b'))
  await store.create(nobody, { ...meta(), handle: 'n' })
  const strangers = [store.key(bob), store.key(nobody)]
  await client.sadd(ix, ...strangers)
  expect((await store.listSessions('ada')).map((x) => x.handle)).toEqual(['a'])
  expect(await client.smembers(ix)).toEqual([store.key(ada)])
  await client.sadd(ix, ...strangers)
  expect(await store.destroySessions('ada')).toBe(1)
  expect(await store.load(ada)).toBeNull()
  expect((await store.load(bob))?.meta.owner).toBe('bob')
  expect((await store.load(nobody))?.meta.handle).toBe('n')
}

/** A regenerate keeps the session's rememberMe flag unless its batch changes it, and takes the batch's. */
async function regenerateKeepsPersist(store: RedisStore): Promise<void> {
  const [a, a2, b, b2] = [newId(), newId(), newId(), newId()]
  await store.create(a, { ...meta(), persist: true })
  expect(await store.regenerate(a, a2, { expiresAt: meta().expiresAt })).toBe('ok')
  expect((await store.load(a2))!.meta.persist).toBe(true)
  await store.create(b, meta())
  expect(await store.regenerate(b, b2, { persist: true, expiresAt: meta().expiresAt })).toBe('ok')
  expect((await store.load(b2))!.meta.persist).toBe(true)
}

/** The owner-index rules that hold alike on one node and on a Cluster, as tests on `topology`'s client. */
function itKeepsTheOwnerRules(topology: string, connected: () => Redis | Cluster): void {
  it(`the cap spares the login being made and every live session (${topology})`, async () => {
    await capSparesTheNewAndTheLive(new RedisStore(connected(), { prefix: freshPrefix('owners'), maxSessionsPerOwner: 2 }), connected())
  })

  it(`members that are not the owner’s sessions any more are neither listed nor ended, and leave the set (${topology})`, async () => {
    await strangersInTheOwnerSet(new RedisStore(connected(), { prefix: freshPrefix('owners') }), connected())
  })

  it(`a regenerate keeps the rememberMe flag unless its batch changes it (${topology})`, async () => {
    await regenerateKeepsPersist(new RedisStore(connected(), { prefix: freshPrefix('persist') }))
  })

  it(`a live session whose owner set was removed is put back by its next move, and a destroy-all ends it (${topology})`, async () => {
    await lostSessionsComeBack(new RedisStore(connected(), { prefix: freshPrefix('owners') }), connected())
  })

  it(`joining a set that held the session already never lowers the set's expiry (${topology})`, async () => {
    await rejoiningNeverLowersTheSet(new RedisStore(connected(), { prefix: freshPrefix('owners') }), connected())
  })
}

/** Reads a hash raw, names and values as bytes (HGETALL through EVAL: no reply transform). */
async function rawHash(client: Redis, key: string): Promise<[string, Buffer][]> {
  const reply = (await client.callBuffer('EVAL', "return redis.call('HGETALL', KEYS[1])", 1, key)) as Buffer[]
  const out: [string, Buffer][] = []
  for (let i = 0; i < reply.length; i += 2) out.push([reply[i]!.toString('latin1'), reply[i + 1]!])
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

// ---------------------------------------------------------------------------------------------

describeRedis('RedisStore on one node', () => {
  let server: RedisServer
  let client: Redis
  beforeAll(async () => {
    server = await startRedis()
    client = await connect(server.url)
  })
  afterAll(async () => {
    if (client) for (const prefix of prefixes.splice(0)) await deleteKeys(client, prefix)
    client?.disconnect()
    await server?.stop()
  })

  describeStore('RedisStore', () => fixture(client), { realTtl: REAL_TTL })
  describeStore('RedisStore (hashKeys)', () => fixture(client, { hashKeys: true }), { realTtl: REAL_TTL })

  describe('owner index', () => {
    itKeepsTheOwnerRules('one node', () => client)

    it('an owner that is not a non-empty string, or a touch to a time that is not one, is a caller bug: a TypeError that says so, nothing sent', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('owners') })
      const sent = await commandsDuring(client, async () => {
        for (const bad of [null, '', 7]) {
          await expect(store.listSessions(bad as unknown as string)).rejects.toThrow(/^owner must be a non-empty string, got /)
          await expect(store.destroySessions(bad as unknown as string)).rejects.toThrow(/^owner must be a non-empty string, got /)
        }
        await expect(store.touch(newId(), 1.5)).rejects.toThrow(/^expiresAt must be integer milliseconds since the epoch or Infinity, got 1.5$/)
      })
      expect(sent).toEqual([])
    })

    it('layout: the owner, handle and persist under \\xff names in the hash; one set per owner of the session keys', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(client, { prefix })
      const [a, b] = [newId(), newId()]
      await store.create(a, { ...owned('ada', 'ha'), persist: false })
      await store.create(b, owned('ada', 'hb'))
      const hash = await rawHash(client, prefix + a)
      expect(hash.filter(([n]) => n.startsWith('\xff') && !n.endsWith('At')).map(([n, v]) => [n, v.toString()])).toEqual([
        ['\xffhandle', 'ha'],
        ['\xffowner', 'ada'],
        ['\xffpersist', '0'],
      ])
      expect((await client.smembers(prefix + 'owner.ada')).sort()).toEqual([prefix + a, prefix + b].sort())
    })

    it('dead members (destroyed, expired) stay until a listing removes them; they are never listed', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(client, { prefix })
      const [a, b, c] = [newId(), newId(), newId()]
      for (const [id, h] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) await store.create(id, owned('ada', h))
      await store.destroy(a)
      expect(await store.commit(b, { expiresAt: Date.now() - 1 })).toBe(true) // expired at once
      expect(await client.scard(prefix + 'owner.ada')).toBe(3)
      expect((await store.listSessions('ada')).map((x) => x.handle)).toEqual(['c'])
      expect(await client.smembers(prefix + 'owner.ada')).toEqual([prefix + c])
    })

    it('a commit is one command whether or not it moves the expiry; only one that moves it touches the owner set', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      const m = owned('ada', 'h')
      await store.create(id, m)
      await store.commit(id, { set: one('warm', Uint8Array.of(1)), expiresAt: m.expiresAt }) // the script is loaded now
      const ix = prefix + 'owner.ada'
      const still = await commandsDuring(client, async () => {
        await store.commit(id, { set: one('a', Uint8Array.of(1)), expiresAt: m.expiresAt })
      }, true)
      expect(still.filter((c) => c[0]!.toLowerCase() === 'evalsha')).toHaveLength(1)
      // Inside the script: nothing on the set, and only the guard, the stored expiry and the
      // field (the key's TTL is already the one it would set).
      expect(still.filter((c) => c.includes(ix))).toEqual([])
      expect(still.map((c) => c[0]!.toLowerCase())).toEqual(['evalsha', 'hget', 'hget', 'hset'])
      const later = m.expiresAt + HOUR
      const moved = await commandsDuring(client, async () => {
        await store.commit(id, { set: one('a', Uint8Array.of(2)), expiresAt: later })
      }, true)
      expect(moved.filter((c) => c[0]!.toLowerCase() === 'evalsha')).toHaveLength(1)
      // The SADD puts the session back if the set lost it; here it changes nothing.
      expect(moved.filter((c) => c.includes(ix)).map((c) => c[0]!.toLowerCase())).toEqual(['pttl', 'sadd', 'pexpire'])
      await expectSetCovers(store, client, 'ada', [id])
    })

    it('the owner set expires with its sessions: a TTL on create, raised by commit, touch, regenerate and an owner change', async () => {
      await ownerSetFollowsExpiry(new RedisStore(client, { prefix: freshPrefix('owners') }), client, 1)
    })

    it('after its last session expired the owner set is gone; while one lives the set holds it', async () => {
      await ownerSetEndsWithItsSessions(new RedisStore(client, { prefix: freshPrefix('owners') }), client)
    })

    it('a set without a TTL made by hand around a live member gets one at the owner’s next login', async () => {
      await persistentSetFittedAtLogin(new RedisStore(client, { prefix: freshPrefix('owners') }), client, 1)
    })

    it('a set without a TTL (written before sets had one) gets one at its owner’s next login', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(client, { prefix })
      const [a, b, dead] = [newId(), newId(), newId()]
      await store.create(a, owned('ada', 'a', 2 * HOUR))
      await store.create(dead, owned('ada', 'd', HOUR))
      await store.destroy(dead)
      await client.persist(prefix + 'owner.ada')
      await store.create(b, owned('ada', 'b', HOUR))
      await expectSetCovers(store, client, 'ada', [a, b])
      expect(await client.pttl(prefix + 'owner.ada')).toBeLessThanOrEqual(2 * HOUR)
      expect((await client.smembers(prefix + 'owner.ada')).sort()).toEqual([prefix + a, prefix + b].sort())
    })

    it('bounded: an owner never has more than maxSessionsPerOwner; past it the one that expires soonest ends', async () => {
      const prefix = freshPrefix('owners')
      await expectCapped(new RedisStore(client, { prefix, maxSessionsPerOwner: 3 }), client)
      // A flood of logins of one owner keeps the set at the cap (what a request pays is bounded by it).
      const flood = new RedisStore(client, { prefix, maxSessionsPerOwner: 20 })
      for (let i = 0; i < 300; i++) await flood.create(newId(), owned('bot', `b${i}`))
      expect(await client.scard(prefix + 'owner.bot')).toBe(20)
      expect(await flood.listSessions('bot')).toHaveLength(20)
    })

    it('works under a client keyPrefix: the scripts name the other sessions with it', async () => {
      const prefix = freshPrefix('owners')
      const prefixed = new Redis(server.url, { ...recommendedClientOptions, keyPrefix: 'kp:' })
      try {
        const store = new RedisStore(prefixed, { prefix, maxSessionsPerOwner: 2 })
        const ids = [newId(), newId(), newId()]
        for (const [i, id] of ids.entries()) await store.create(id, owned('ada', `h${i}`, HOUR + i))
        expect(await client.exists('kp:' + prefix + ids[0])).toBe(0) // evicted past the cap
        expect((await store.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['h1', 'h2'])
        expect(await store.destroySessions('ada', { except: 'h2' })).toBe(1)
        expect(await client.exists('kp:' + prefix + ids[1])).toBe(0)
        expect(await client.exists('kp:' + prefix + ids[2])).toBe(1)
        await client.unlink('kp:' + prefix + ids[2], 'kp:' + prefix + 'owner.ada')
      } finally {
        prefixed.disconnect()
      }
    })

    it('atomic on one node: logins and regenerates racing a destroy-all never leave a live session out of the index', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('owners') })
      await raceLoginsWithDestroyAll(store, store)
    })
  })

  describe('layout', () => {
    it('one hash per session: the fields under their own names, metadata under \\xff names; PEXPIREAT at expiresAt', async () => {
      const prefix = freshPrefix('layout')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      const m = meta()
      await store.create(id, m, new Map([['user', utf8('alice')], ['', Uint8Array.of(1)], ['__proto__', Uint8Array.of(2)], ['名前', Uint8Array.of(3)]]))
      const key = prefix + id
      expect(await keysUnder(client, prefix)).toEqual([key])
      expect(await client.type(key)).toBe('hash')
      const raw = await rawHash(client, key)
      expect(raw.map(([n, v]): [string, string] => [n, v.toString('latin1')])).toEqual(
        [
          ['', '\x01'],
          ['__proto__', '\x02'],
          ['user', 'alice'],
          [Buffer.from('名前').toString('latin1'), '\x03'],
          ['\xffcreatedAt', String(m.createdAt)],
          ['\xffexpiresAt', String(m.expiresAt)],
        ].sort(([a], [b]) => (a! < b! ? -1 : 1)),
      )
      expect(await client.pexpiretime(key)).toBe(m.expiresAt)
      const pttl = await client.pttl(key)
      expect(pttl).toBeGreaterThan(HOUR - 5000)
      expect(pttl).toBeLessThanOrEqual(m.expiresAt - m.createdAt)

      // commit moves it, touch moves it, Infinity takes the TTL away (PERSIST), and back.
      await store.commit(id, { set: one('user', utf8('bob')), delete: [''], expiresAt: m.expiresAt + 5000 })
      expect(await client.pexpiretime(key)).toBe(m.expiresAt + 5000)
      expect((await client.hgetBuffer(key, 'user'))?.toString()).toBe('bob')
      expect(await client.hexists(key, '')).toBe(0)
      await store.touch(id, Infinity)
      expect(await client.pttl(key)).toBe(-1)
      expect(await client.pexpiretime(key)).toBe(-1)
      expect((await client.hgetBuffer(key, Buffer.from('\xffexpiresAt', 'latin1')))?.toString()).toBe('inf')
      expect((await store.load(id))!.meta).toEqual({ createdAt: m.createdAt, expiresAt: Infinity })
      await store.touch(id, m.expiresAt)
      expect(await client.pexpiretime(key)).toBe(m.expiresAt)
      await store.commit(id, { clear: true, expiresAt: Infinity })
      expect(await client.pttl(key)).toBe(-1)
      expect((await rawHash(client, key)).map(([n]) => n)).toEqual(['\xffcreatedAt', '\xffexpiresAt'])
      await store.destroy(id)
      expect(await client.exists(key)).toBe(0)
    })

    it('a session created with Infinity has no TTL', async () => {
      const prefix = freshPrefix('inf')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await store.create(id, { createdAt: Date.now(), expiresAt: Infinity })
      expect(await client.pttl(prefix + id)).toBe(-1)
      await deleteKeys(client, prefix)
    })

    it('is binary safe: all 256 byte values, in values and through every read', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('bin') })
      const id = newId()
      const all = Uint8Array.from({ length: 256 }, (_, i) => i)
      const fields = new Map<string, Uint8Array>([['all', all]])
      for (let b = 0; b < 256; b++) fields.set(`b${b}`, Uint8Array.of(b))
      fields.set('crlf', utf8('\r\n$5\r\n*1\r\n'))
      await store.create(id, meta(), fields)
      expect((await client.hgetBuffer(store.key(id), 'all'))!.equals(Buffer.from(all))).toBe(true)
      const record = (await store.load(id))!
      for (const [name, v] of fields) expect(hex(record.fields.get(name)), name).toBe(toHex(v))
      const got = (await store.getMulti(id, ['all', 'b0', 'b255', 'crlf']))!
      expect(got.values.map(hex)).toEqual([toHex(all), '00', 'ff', toHex(utf8('\r\n$5\r\n*1\r\n'))])
      await store.commit(id, { set: one('all', all.slice().reverse()), expiresAt: meta().expiresAt })
      expect(hex((await store.load(id))!.fields.get('all'))).toBe(toHex(all.slice().reverse()))
    })

    it('values come back as fresh plain Uint8Arrays, never views into a shared buffer', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('own') })
      const id = newId()
      await store.create(id, meta(), new Map([['a', patternBytes(100, 1)], ['b', patternBytes(70_000, 2)]]))
      const f = (await store.load(id))!.fields
      const g = (await store.getMulti(id, ['a', 'b']))!.values
      for (const v of [f.get('a')!, f.get('b')!, g[0]!, g[1]!]) {
        expect(Object.getPrototypeOf(v)).toBe(Uint8Array.prototype)
        expect(v.byteOffset).toBe(0)
        expect(v.buffer.byteLength).toBe(v.byteLength)
      }
    })

    it('keeps sessions with thousands of fields (scripts write in chunks)', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('many') })
      const id = newId()
      const fields = new Map(Array.from({ length: 3000 }, (_, i): [string, Uint8Array] => [`f${i}`, Uint8Array.of(i & 255, i >> 8)]))
      expect(await store.create(id, meta(), fields)).toBe(true)
      expect((await store.load(id))!.fields.size).toBe(3000)
      const del = Array.from({ length: 2500 }, (_, i) => `f${i}`)
      const set = new Map(Array.from({ length: 2100 }, (_, i): [string, Uint8Array] => [`g${i}`, Uint8Array.of(1)]))
      expect(await store.commit(id, { delete: del, set, expiresAt: meta().expiresAt })).toBe(true)
      const after = (await store.load(id))!.fields
      expect(after.size).toBe(500 + 2100)
      expect(after.has('f2499')).toBe(false)
      expect(after.has('f2500')).toBe(true)
      expect(after.has('g2099')).toBe(true)
    })
  })

  describe('hashed keys', () => {
    it('key = prefix + base64url(SHA-256(id)) from the WASM core; the raw ID appears in no key and in no command', async () => {
      const prefix = freshPrefix('hashed')
      const store = new RedisStore(client, { prefix, hashKeys: true })
      const ids = Array.from({ length: 20 }, () => newId())
      ids.push('名前-non-ascii-id', 'short')
      const commands = await commandsDuring(client, async () => {
        for (const id of ids) {
          await store.create(id, meta(), one('k', utf8('v')))
          await store.load(id)
          await store.getMulti(id, ['k'])
          await store.commit(id, { set: one('x', Uint8Array.of(1)), expiresAt: meta().expiresAt })
          await store.touch(id, meta().expiresAt)
        }
        await store.destroy(ids[0]!)
      })
      expect(commands).toHaveLength(5 * ids.length + 1)
      const keys = await keysUnder(client, prefix)
      expect(keys).toHaveLength(ids.length - 1)
      expect(keys.sort()).toEqual(ids.slice(1).map((id) => prefix + sha256url(id)).sort())
      for (const id of ids) {
        expect(store.key(id)).toBe(prefix + sha256url(id))
        expect(Buffer.from(core.sha256(utf8(id))).toString('base64url')).toBe(sha256url(id))
        for (const key of keys) expect(key.includes(id)).toBe(false)
        // Nor did any command that went over the wire carry it.
        for (const c of commands) for (const arg of c) expect(arg.includes(id), c.join(' ')).toBe(false)
      }
    })

    it('the same ID under hashKeys and without is two different sessions', async () => {
      const prefix = freshPrefix('both')
      const plain = new RedisStore(client, { prefix })
      const hashed = new RedisStore(client, { prefix, hashKeys: true })
      const id = newId()
      await plain.create(id, meta(), one('who', utf8('plain')))
      expect(await hashed.load(id)).toBeNull()
      expect(await hashed.create(id, meta(), one('who', utf8('hashed')))).toBe(true)
      expect(hex((await plain.load(id))!.fields.get('who'))).toBe(toHex(utf8('plain')))
      await deleteKeys(client, prefix)
    })
  })

  describe('the commit guard', () => {
    it('commit and touch after a DEL return false and create nothing', async () => {
      const prefix = freshPrefix('guard')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await store.create(id, meta(), one('a', Uint8Array.of(1)))
      await client.del(prefix + id)
      expect(await store.commit(id, { set: one('zombie', Uint8Array.of(1)), expiresAt: meta().expiresAt })).toBe(false)
      expect(await store.commit(id, { clear: true, expiresAt: meta().expiresAt })).toBe(false)
      expect(await store.touch(id, meta().expiresAt)).toBe(false)
      expect(await client.exists(prefix + id)).toBe(0)
      expect(await keysUnder(client, prefix)).toEqual([])
    })

    it('regenerate after a DEL is "gone" and creates nothing; RENAME keeps fields committed meanwhile', async () => {
      const prefix = freshPrefix('regen')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await store.create(id, meta(), one('a', Uint8Array.of(1)))
      await client.hset(prefix + id, 'b', 'from another request')
      const next = newId()
      expect(await store.regenerate(id, next, { set: one('c', Uint8Array.of(3)), expiresAt: meta().expiresAt })).toBe('ok')
      expect(Object.keys(await client.hgetall(prefix + next)).filter((k) => !k.startsWith('\ufffd')).sort()).toEqual(['a', 'b', 'c'])
      expect(await client.pttl(prefix + next)).toBeGreaterThan(0)
      await client.del(prefix + next)
      const again = newId()
      expect(await store.regenerate(next, again, { set: one('zombie', Uint8Array.of(1)), expiresAt: meta().expiresAt })).toBe('gone')
      expect(await keysUnder(client, prefix)).toEqual([])
    })

    it('a field name with a lone surrogate is TYPE at set() through a Manager, as on every store; the store itself says TypeError', async () => {
      let cookie: string | undefined
      const manager = new Manager({ store: new RedisStore(client, { prefix: freshPrefix('surrogate') }), secrets: [SECRET], getCookie: () => cookie, setCookie: (c: CookieAttributes) => void (cookie = c.value) })
      const s = await manager.acquire({}, {})
      const err = await rejection(s.set('bad\uD800', 1))
      expect(isSessionError(err, 'TYPE')).toBe(true)
      await s.set('good', 1)
      await s.commit()
      expect(await (await manager.acquire({}, {})).get('good')).toBe(1)
      const direct = await rejection(new RedisStore(client).commit(newId(), { set: one('bad\uDC00', Uint8Array.of(1)), expiresAt: meta().expiresAt }))
      expect(direct).toBeInstanceOf(TypeError)
      await manager.close()
    })

    it('a hash without the store’s metadata is not a session: commit and touch leave it alone, create refuses it', async () => {
      const prefix = freshPrefix('foreign')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await client.hset(prefix + id, 'a', '1')
      expect(await store.load(id)).toBeNull()
      expect(await store.getMulti(id, ['a'])).toBeNull()
      expect(await store.commit(id, { set: one('b', Uint8Array.of(1)), expiresAt: meta().expiresAt })).toBe(false)
      expect(await store.touch(id, meta().expiresAt)).toBe(false)
      expect(await store.create(id, meta())).toBe(false) // never overwrites a key
      expect(await client.hgetall(prefix + id)).toEqual({ a: '1' })
      await client.del(prefix + id)
    })
  })

  describe('commands', () => {
    it('regenerate on one node is one command; to the same ID it answers "taken" while the session lives, "gone" after', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('regen') })
      const id = newId()
      await store.create(id, meta(), one('a', Uint8Array.of(1)))
      await store.regenerate(newId(), newId(), { expiresAt: meta().expiresAt }) // the script is loaded now: EVALSHA from here on
      const next = newId()
      const sent = await commandsDuring(client, async () => {
        expect(await store.regenerate(id, next, { expiresAt: meta().expiresAt })).toBe('ok')
      })
      expect(sent.map((c) => c[0])).toEqual(['evalsha'])
      expect(await store.regenerate(next, next, { expiresAt: meta().expiresAt })).toBe('taken')
      await store.destroy(next)
      expect(await store.regenerate(next, next, { expiresAt: meta().expiresAt })).toBe('gone')
    })

    it('getMulti is one HMGET of the metadata and the asked fields; load is one HGETALL', async () => {
      const prefix = freshPrefix('cmd')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await store.create(id, meta(), new Map([['a', Uint8Array.of(1)], ['b', Uint8Array.of(2)], ['c', Uint8Array.of(3)]]))
      await store.load(id) // the script is loaded on this connection now: EVALSHA from here on
      const gm = await commandsDuring(client, async () => {
        await store.getMulti(id, ['a', 'c', 'nope'])
      })
      // (MONITOR shows the byte 0xFF as \xff)
      expect(gm).toEqual([['hmget', prefix + id, '\\xffcreatedAt', '\\xffexpiresAt', '\\xffowner', '\\xffhandle', '\\xffpersist', 'a', 'c', 'nope']])
      const load = await commandsDuring(client, async () => {
        await store.load(id)
      })
      // Not a script: HGETALL costs Redis less (see load); upper case keeps ioredis' reply raw.
      expect(load).toEqual([['HGETALL', prefix + id]])
    })

    it('load falls back to its script, for good, when HGETALL does not answer with an array', async () => {
      // A client that converts HGETALL replies (as ioredis does for the lower-case name, or a
      // RESP3 map): the store must not read metadata out of a converted reply.
      let raw = 0
      const odd = new Proxy(client, {
        get(target, prop) {
          if (prop === 'callBuffer') return async () => (raw++, { converted: true })
          const v = Reflect.get(target, prop, target) as unknown
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
        },
      })
      const prefix = freshPrefix('fallback')
      const store = new RedisStore(odd, { prefix })
      const id = newId()
      await store.create(id, meta(), one('a', Uint8Array.of(7)))
      expect(toHex((await store.load(id))!.fields.get('a')!)).toBe('07')
      expect(raw).toBe(1)
      const again = await commandsDuring(client, async () => {
        expect(toHex((await store.load(id))!.fields.get('a')!)).toBe('07')
      })
      expect(raw).toBe(1)
      expect(again.map((c) => c[0])).toEqual(['evalsha'])
    })

    it('every method is one command, and the store never sends KEYS or SCAN', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('all') })
      const id = newId()
      const all = await commandsDuring(client, async () => {
        await store.create(id, meta(), one('a', Uint8Array.of(1)))
        await store.load(id)
        await store.getMulti(id, ['a'])
        await store.commit(id, { set: one('b', Uint8Array.of(2)), delete: ['a'], expiresAt: meta().expiresAt })
        await store.touch(id, meta().expiresAt)
        await store.destroy(id)
        await store.load(id)
      })
      expect(all).toHaveLength(7)
      const names = new Set(all.map((c) => c[0]))
      for (const n of names) expect(['evalsha', 'eval', 'hmget', 'HGETALL', 'unlink']).toContain(n)
      expect(names.has('keys') || names.has('scan')).toBe(false)
    })

    it('a create without an owner sends no index arguments; one with an owner says where its set is', async () => {
      const prefix = freshPrefix('noindex')
      const store = new RedisStore(client, { prefix })
      await store.create(newId(), meta()) // the script is loaded now: EVALSHA from here on
      const [plain, ada] = [newId(), newId()]
      const sent = await commandsDuring(client, async () => {
        await store.create(plain, meta())
        await store.create(ada, owned('ada', 'h'))
      })
      // EVALSHA sha 1 key, then ARGV: createdAt, expiresAt, owner, handle, persist, index base, client prefix, member, cap
      expect(sent.map((c) => [c[0], ...c.slice(9, 13)])).toEqual([
        ['evalsha', '', '', '', ''],
        ['evalsha', prefix + 'owner.', '', prefix + ada, '1000'],
      ])
    })
  })

  describe('options', () => {
    it('each refusal says what the option must be, and never shows a URL it was given (it may hold a password)', () => {
      const message = (make: () => unknown): string => {
        try {
          make()
        } catch (e) {
          expect(isSessionError(e, 'CONFIG'), String(e)).toBe(true)
          return (e as Error).message
        }
        throw new Error('expected a CONFIG error')
      }
      const urlShape = '(an ioredis Redis or Cluster, or a redis:// URL)'
      expect(message(() => new RedisStore(client, { prefix: 5 as unknown as string }))).toBe('option prefix is invalid: 5 (a string)')
      expect(message(() => new RedisStore(client, { hashKeys: 'yes' as unknown as boolean }))).toBe('option hashKeys is invalid: "yes" (a boolean)')
      expect(message(() => new RedisStore(client, { timeout: -1 }))).toBe("option timeout is invalid: -1 (integer milliseconds from 1 to 2147483647, or 0 for no timer of the store's own)")
      expect(message(() => new RedisStore('redis://127.0.0.1:1', { clientOptions: null as unknown as object }))).toBe('option clientOptions is invalid: null (an object of ioredis options)')
      expect(message(() => new RedisStore(client, { clientOptions: {} }))).toBe('option clientOptions is invalid: "(given with a client)" (only for a store opened from a URL)')
      for (const url of ['http://user:secret@127.0.0.1:6379', 'my-redis://user:secret@127.0.0.1:1']) {
        expect(message(() => new RedisStore(url))).toBe(`option client is invalid: "(a string that is not a redis:// or rediss:// URL)" ${urlShape}`)
      }
      expect(message(() => new RedisStore(7 as unknown as Redis))).toBe(`option client is invalid: "number" ${urlShape}`)
    })

    it('a client with enableAutoPipelining is refused when the store is made, not at its first load (ioredis drops callBuffer’s command name under it)', async () => {
      const auto = new Redis({ port: server.port, lazyConnect: true, enableAutoPipelining: true })
      let err: unknown
      try {
        new RedisStore(auto)
      } catch (e) {
        err = e
      }
      expect(isSessionError(err, 'CONFIG'), String(err)).toBe(true)
      expect((err as Error).message).toContain('enableAutoPipelining')
      auto.disconnect()
      // The load it protects from, on this ioredis: callBuffer sends its arguments without HGETALL.
      const probe = new Redis({ port: server.port, enableAutoPipelining: true })
      await expect(probe.callBuffer('HGETALL', 'simplesessions-probe')).rejects.toThrow(/unknown command/i)
      probe.disconnect()
    })

    it('maxSessionsPerOwner is a positive integer (1 allowed), default 1000', () => {
      for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '3']) {
        let err: unknown
        try {
          new RedisStore(client, { maxSessionsPerOwner: bad as number })
        } catch (e) {
          err = e
        }
        expect(isSessionError(err, 'CONFIG'), `${String(bad)}: ${String(err)}`).toBe(true)
        expect((err as Error).message).toBe(`option maxSessionsPerOwner is invalid: ${typeof bad === 'string' ? JSON.stringify(bad) : String(bad)} (a positive integer)`)
      }
      expect(new RedisStore(client, { maxSessionsPerOwner: 1 }).maxSessionsPerOwner).toBe(1)
      expect(new RedisStore(client).maxSessionsPerOwner).toBe(1000)
    })

    it('a client is anything with the ioredis methods the store calls and a status; anything short of that is CONFIG', () => {
      const fn = () => undefined
      const shortOf: [string, unknown][] = [
        ['undefined', undefined],
        ['a status alone', { status: 'ready' }],
        ['some of the methods', { status: 'ready', defineCommand: fn, hmgetBuffer: fn }],
        ['every method but no status', { defineCommand: fn, hmgetBuffer: fn, unlink: fn, disconnect: fn }],
        ['a method that is not a function', { status: 'ready', defineCommand: fn, hmgetBuffer: fn, unlink: 'no', disconnect: fn }],
      ]
      for (const [what, c] of shortOf) {
        let err: unknown
        try {
          new RedisStore(c as Redis)
        } catch (e) {
          err = e
        }
        expect(isSessionError(err, 'CONFIG'), `${what}: ${String(err)}`).toBe(true)
        expect((err as Error).message, what).toMatch(/^option client is invalid: /)
      }
    })

    it('a client of that shape without ioredis options works, and a call answered in time leaves no timer behind', async () => {
      const unlinked: string[] = []
      const store = new RedisStore(shapedClient({ unlink: async (key: string) => (unlinked.push(key), 1) }), { prefix: 'p:' })
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
      try {
        await store.destroy('abc')
        expect(vi.getTimerCount()).toBe(0)
      } finally {
        vi.useRealTimers()
      }
      expect(unlinked).toEqual(['p:abc'])
    })

    it('a client without a keyPrefix option: the scripts find the owner sets under the store’s prefix alone', async () => {
      const sent: unknown[][] = []
      const store = new RedisStore(shapedClient({ simplesessionsCreate3: async (...args: unknown[]) => (sent.push(args), 1) }), { prefix: 'p:' })
      expect(await store.create('abc', owned('ada', 'h'))).toBe(true)
      // The key, createdAt, expiresAt, owner, handle, persist; then the index base, the client's prefix, the member and the cap.
      expect(sent[0]!.slice(6, 10)).toEqual(['p:owner.', '', 'p:abc', '1000'])
    })

    it('a commandTimeout of 0 or less (or NaN) is none: with timeout 0, a call on a client still connecting is sent at once', async () => {
      for (const commandTimeout of [0, -1, NaN]) {
        // Never 'ready': a call that waited for the first connection would not be answered.
        const starting = shapedClient({ status: 'connecting', once: () => undefined, options: { commandTimeout } })
        const store = new RedisStore(starting, { timeout: 0 })
        await expect(store.destroy('abc'), String(commandTimeout)).resolves.toBeUndefined()
      }
    })

    it('on a runtime whose setTimeout returns a number (no unref), the store’s timer bounds a call as on Node', async () => {
      const real = globalThis.setTimeout
      const numeric = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => Number(real(fn, ms))) as unknown as typeof setTimeout)
      try {
        // Answered a moment later, while the store's timer runs.
        const later = new RedisStore(shapedClient({ unlink: () => new Promise((resolve) => setImmediate(() => resolve(1))) }))
        await later.destroy('abc')
        const never = new RedisStore(shapedClient({ unlink: () => new Promise(() => undefined) }), { timeout: 50 })
        expect(expectUnavailable(await rejection(never.destroy('abc'))).message).toBe('timed out after 50 ms (the RedisStore timeout)')
        expect(numeric).toHaveBeenCalled()
      } finally {
        numeric.mockRestore()
      }
    })

    it('a Cluster gets the store’s timer whatever its options say (its node connections may queue)', async () => {
      const cluster = shapedClient({ isCluster: true, options: { commandTimeout: 1000, enableOfflineQueue: false }, unlink: () => new Promise(() => undefined) })
      const store = new RedisStore(cluster, { timeout: 50 })
      const outcome = await Promise.race([rejection(store.destroy('abc')), sleep(1000).then(() => 'still waiting')])
      expect(expectUnavailable(outcome).message).toBe('timed out after 50 ms (the RedisStore timeout)')
    })

    it('a store opened from a URL keeps its client’s connection errors to itself: each failing call reports its own', async () => {
      const port = await freePort() // nothing listens there
      const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined)
      const store = new RedisStore(`redis://127.0.0.1:${port}`, { timeout: 300, clientOptions: { retryStrategy: () => 20 } })
      try {
        expectUnavailable(await rejection(store.load(newId())))
        // By now the client has failed to connect, and emitted 'error', several times.
        expect(printed.mock.calls.filter((args) => args.some((a) => String(a).includes('ioredis')))).toEqual([])
      } finally {
        printed.mockRestore()
        await store.close()
      }
    })

    it('close() of a store opened from a URL lets a call already sent finish (QUIT, not an abrupt disconnect)', async (ctx) => {
      if (server.external) ctx.skip('pauses the whole server: not on a shared REDIS_URL server')
      const store = new RedisStore(server.url, { prefix: freshPrefix('quit') })
      const id = newId()
      const m = meta()
      expect(await store.create(id, m, one('a', Uint8Array.of(1)))).toBe(true) // connected now
      expect(await store.commit(id, { set: one('b', Uint8Array.of(2)), expiresAt: m.expiresAt })).toBe(true) // the script is loaded
      // The server holds writes for a while: the commit is still in flight when close() is called.
      await server.command('CLIENT', 'PAUSE', 300, 'WRITE')
      const pending = store.commit(id, { set: one('c', Uint8Array.of(3)), expiresAt: m.expiresAt })
      await store.close()
      expect(await pending).toBe(true)
      expect(await client.hexists(store.prefix + id, 'c')).toBe(1)
    })

    it('close() twice, the second while the first waits for its QUIT, then once more: one QUIT, no disconnect', async () => {
      const store = new RedisStore(server.url, { prefix: freshPrefix('twice') })
      await store.create(newId(), meta()) // connected now
      const mine = store.client as Redis
      const quit = vi.spyOn(mine, 'quit')
      const disconnect = vi.spyOn(mine, 'disconnect')
      await Promise.all([store.close(), store.close()])
      await store.close()
      expect(quit).toHaveBeenCalledTimes(1)
      expect(disconnect).not.toHaveBeenCalled()
    })

    it('close() of a store whose connection was never ready disconnects it, without a QUIT', async () => {
      const port = await freePort() // nothing listens there
      const store = new RedisStore(`redis://127.0.0.1:${port}`, { clientOptions: { retryStrategy: () => 20 } })
      const mine = store.client as Redis
      const quit = vi.spyOn(mine, 'quit')
      const disconnect = vi.spyOn(mine, 'disconnect')
      await store.close()
      expect(quit).not.toHaveBeenCalled()
      expect(disconnect).toHaveBeenCalledTimes(1)
    })

    it('the key prefix defaults to "session:", and stores with different prefixes do not meet', async () => {
      const id = newId()
      const plain = new RedisStore(client)
      expect(plain.prefix).toBe('session:')
      await plain.create(id, meta(), one('who', utf8('default')))
      expect(await client.exists(`session:${id}`)).toBe(1)
      const other = new RedisStore(client, { prefix: 'app2:sess:' })
      expect(await other.load(id)).toBeNull()
      await other.create(id, meta(), one('who', utf8('app2')))
      expect(await client.exists(`app2:sess:${id}`)).toBe(1)
      expect(hex((await plain.load(id))!.fields.get('who'))).toBe(toHex(utf8('default')))
      await plain.destroy(id)
      await other.destroy(id)
      const empty = new RedisStore(client, { prefix: '' })
      const id2 = `simplesessions-empty-prefix-${newId()}`
      await empty.create(id2, meta())
      expect(await client.exists(id2)).toBe(1)
      await empty.destroy(id2)
    })

    it('a URL makes the store open its own connection (usable at once), and close() quits only that one', async () => {
      const name = `simplesessions-url-${randomBytes(4).toString('hex')}`
      const named = async () => String(await client.client('LIST')).split('\n').filter((line) => line.includes(` name=${name} `)).length
      const store = new RedisStore(server.url, { prefix: freshPrefix('url'), clientOptions: { connectionName: name } })
      expect(store.client).not.toBe(client)
      // Used before its connection is ready: the first call waits for it.
      const id = newId()
      expect(await store.create(id, meta(), one('a', Uint8Array.of(1)))).toBe(true)
      expect(await named()).toBe(1)
      expect(store.client.options).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 })
      await store.destroy(id)
      await store.close()
      await store.close()
      for (let i = 0; i < 100 && store.client.status !== 'end'; i++) await sleep(10)
      expect(store.client.status).toBe('end')
      for (let i = 0; i < 100 && (await named()) !== 0; i++) await sleep(10)
      expect(await named()).toBe(0)
      expect(client.status).toBe('ready')
      const err = await rejection(store.load(id))
      expect(isSessionError(err, 'STORE_UNAVAILABLE')).toBe(true)
      expect((err as Error).message).toBe('the RedisStore was closed')
    })

    it('a client passed in before it connected (no offline queue): the first calls wait for the connection', async () => {
      for (const extra of [{}, { lazyConnect: true }]) {
        const mine = new Redis(server.url, { ...recommendedClientOptions, ...extra })
        mine.on('error', () => {})
        expect(['connecting', 'wait']).toContain(mine.status)
        const store = new RedisStore(mine, { prefix: freshPrefix('early') })
        const id = newId()
        const [created, loaded] = await Promise.all([store.create(id, meta(), one('a', Uint8Array.of(7))), store.load(newId())])
        expect(created).toBe(true)
        expect(loaded).toBeNull()
        expect(mine.status).toBe('ready')
        await deleteKeys(mine, store.prefix)
        mine.disconnect()
      }
    })

    it('close() of a store on a client passed in leaves the client open', async () => {
      const mine = await connect(server.url)
      const store = new RedisStore(mine, { prefix: freshPrefix('keep') })
      await store.create(newId(), meta())
      await store.close()
      expect(mine.status).toBe('ready')
      expect(await mine.ping()).toBe('PONG')
      const err = await rejection(store.load(newId()))
      expect(isSessionError(err, 'STORE_UNAVAILABLE')).toBe(true)
      expect((err as Error).message).toBe('the RedisStore was closed')
      await deleteKeys(mine, store.prefix)
      mine.disconnect()
    })

    it('are checked at construction (CONFIG), before any connection is opened', () => {
      const bad: [string, () => unknown][] = [
        ['options', () => new RedisStore(client, null as unknown as RedisStoreOptions)],
        ['prefix', () => new RedisStore(client, { prefix: 5 as unknown as string })],
        ['hashKeys', () => new RedisStore(client, { hashKeys: 'yes' as unknown as boolean })],
        ['timeout', () => new RedisStore(client, { timeout: -1 })],
        ['timeout', () => new RedisStore(client, { timeout: 1.5 })],
        ['timeout', () => new RedisStore(client, { timeout: NaN })],
        ['timeout', () => new RedisStore(client, { timeout: 2 ** 31 })],
        ['client', () => new RedisStore({} as unknown as Redis)],
        ['client', () => new RedisStore(null as unknown as Redis)],
        ['client', () => new RedisStore('http://127.0.0.1:6379')],
        ['clientOptions', () => new RedisStore(client, { clientOptions: {} })],
        ['clientOptions', () => new RedisStore('redis://127.0.0.1:1', { clientOptions: 'x' as unknown as object })],
      ]
      for (const [option, make] of bad) {
        let err: unknown
        try {
          make()
        } catch (e) {
          err = e
        }
        expect(isSessionError(err, 'CONFIG'), `${option}: ${String(err)}`).toBe(true)
        expect((err as Error).message).toMatch(new RegExp(`^option ${option} is invalid`))
      }
      expect(new RedisStore(client, { timeout: 0 }).timeout).toBe(0)
      expect(new RedisStore(client).timeout).toBe(2000)
    })

    it('caller bugs are TypeErrors that send nothing', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('bug') })
      const id = newId()
      await store.create(id, meta(), one('a', Uint8Array.of(1)))
      const bad = <T>(v: unknown) => v as T
      const sent = await commandsDuring(client, async () => {
        await expect(store.create(newId(), meta(), one('\ud800lone', Uint8Array.of(1)))).rejects.toThrow(/well-formed/)
        await expect(store.commit(id, { set: one('x', bad('str')), expiresAt: meta().expiresAt })).rejects.toThrow(TypeError)
        await expect(store.commit(id, { set: one('x', new Int8Array(2) as unknown as Uint8Array), expiresAt: meta().expiresAt })).rejects.toThrow(TypeError)
        await expect(store.commit(id, { delete: ['\udc00'], expiresAt: meta().expiresAt })).rejects.toThrow(TypeError)
        await expect(store.touch(id, 1.5)).rejects.toThrow(TypeError)
        await expect(store.getMulti(id, bad([1]))).rejects.toThrow(TypeError)
        await expect(store.load('')).rejects.toThrow(TypeError)
        await expect(store.destroy(bad(7))).rejects.toThrow(TypeError)
      })
      expect(sent).toEqual([])
      expect([...(await store.load(id))!.fields.keys()]).toEqual(['a'])
    })
  })

  describe('failures', () => {
    it('a Redis error reply: the message names the method and the reply; the cause keeps the command’s name, its arguments redacted', async () => {
      const prefix = freshPrefix('wrongtype')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await client.set(prefix + id, 'a string, not a hash')
      const err = await rejection(store.load(id))
      const cause = expectUnavailable(err)
      expect(cause.message).toMatch(/^WRONGTYPE /)
      expect((err as Error).message).toBe(`Redis load failed: ${cause.message}`)
      expect((cause as { command?: unknown }).command).toEqual({ name: expect.stringMatching(/^hgetall$/i), args: [expect.stringMatching(/redacted/)] })
      await client.del(prefix + id)
    })

    it('whatever the client rejects with is STORE_UNAVAILABLE, with it as the cause; a command object on it is redacted, unless frozen', async () => {
      const command = () => ({ name: 'unlink', args: ['p:abc'] })
      const frozen = Object.freeze(Object.assign(new Error('frozen'), { command: command() }))
      const plain = Object.assign(new Error('plain'), { command: command() })
      const thrown: [unknown, string][] = [
        [null, 'null'],
        [undefined, 'undefined'],
        ['a string', 'a string'],
        [Object.assign(new Error('no command'), { command: null }), 'no command'],
        [frozen, 'frozen'],
        [plain, 'plain'],
      ]
      for (const [value, text] of thrown) {
        const store = new RedisStore(shapedClient({ unlink: async () => Promise.reject(value) }), { prefix: 'p:' })
        const err = await rejection(store.destroy('abc'))
        expect(isSessionError(err, 'STORE_UNAVAILABLE'), `${text}: ${String(err)}`).toBe(true)
        expect((err as Error).message).toBe(`Redis destroy failed: ${text}`)
        expect((err as SessionError).cause).toBe(value)
      }
      expect(frozen.command).toEqual(command())
      expect(plain.command).toEqual({ name: 'unlink', args: ['[redacted by simplesessions: the session key and values]'] })
    })

    it('a reply of another shape is STORE_UNAVAILABLE: never read as a session, nor as a missing one', async () => {
      const prefix = freshPrefix('shape')
      const id = newId()
      await new RedisStore(client, { prefix }).create(id, owned('ada', 'h'), one('a', Uint8Array.of(1)))
      const converted = async () => ({ converted: true }) // HGETALL as an object: load turns to its script
      const cases: [Record<string, (...args: unknown[]) => unknown>, (s: RedisStore) => Promise<unknown>, string][] = [
        [{ callBuffer: converted, simplesessionsLoad1Buffer: async () => ['a', '1'] }, (s) => s.load(id), 'unexpected reply from Redis to load'],
        [{ callBuffer: async () => [Buffer.from('a')] }, (s) => s.load(id), 'unexpected reply from Redis to load'], // a name without its value
        [{ callBuffer: converted, simplesessionsLoad1Buffer: async () => Promise.reject(new Error('boom')) }, (s) => s.load(id), 'Redis load failed: boom'],
        [{ hmgetBuffer: async () => [] }, (s) => s.getMulti(id, ['a']), 'unexpected reply from Redis to getMulti'],
        [{ simplesessionsList1Buffer: async () => [Buffer.from('h')] }, (s) => s.listSessions('ada'), 'unexpected reply from Redis to listSessions'],
      ]
      for (const [overrides, call, message] of cases) {
        const err = await rejection(call(new RedisStore(answering(client, overrides), { prefix })))
        expect(isSessionError(err, 'STORE_UNAVAILABLE'), `${message}: ${String(err)}`).toBe(true)
        expect((err as Error).message).toBe(message)
      }
    })

    it('metadata the store did not write (a malformed time) fails every read with STORE_UNAVAILABLE, never a wrong time', async () => {
      const prefix = freshPrefix('malformed')
      const store = new RedisStore(client, { prefix })
      const CREATED = Buffer.from('\xffcreatedAt', 'latin1')
      const EXPIRES = Buffer.from('\xffexpiresAt', 'latin1')
      const malformed = async (p: Promise<unknown>, what: string) => {
        const err = await rejection(p)
        expect(isSessionError(err, 'STORE_UNAVAILABLE'), `${what}: ${String(err)}`).toBe(true)
        expect((err as Error).message, what).toBe('malformed session metadata in Redis (something else writes to the session keys?)')
      }
      for (const bad of ['', ' 12', '12 ', '+12', '1e3', '0x10', '1.5', 'inf']) {
        const id = newId()
        await client.hset(prefix + id, CREATED, bad, EXPIRES, String(Date.now() + HOUR))
        await malformed(store.load(id), `load, createdAt ${JSON.stringify(bad)}`)
        await malformed(store.getMulti(id, ['a']), `getMulti, createdAt ${JSON.stringify(bad)}`)
      }
      const noExpiry = newId()
      await client.hset(prefix + noExpiry, CREATED, String(Date.now()))
      await malformed(store.load(noExpiry), 'load, no expiresAt')
      await malformed(store.getMulti(noExpiry, ['a']), 'getMulti, no expiresAt')
      // listSessions reads the same times: 'inf' is an expiry's, never a creation time.
      const listed = newId()
      await store.create(listed, owned('ada', 'h'))
      await client.hset(prefix + listed, CREATED, 'inf')
      await malformed(store.listSessions('ada'), 'listSessions, createdAt "inf"')
      await store.destroy(listed)
      const m = owned('ada', 'forever', Infinity)
      await store.create(newId(), m)
      expect(await store.listSessions('ada')).toEqual([{ handle: 'forever', createdAt: m.createdAt, expiresAt: Infinity }])
    })

    it('a client that was ready and then lost its connection fails at once, with the client’s own error (no wait for a first connection)', async () => {
      const mine = new Redis(server.url, { ...recommendedClientOptions, lazyConnect: true, retryStrategy: () => 5000 })
      mine.on('error', () => {})
      await mine.connect()
      const store = new RedisStore(mine, { prefix: freshPrefix('lost'), timeout: 1000 })
      const reconnecting = new Promise<void>((resolve) => mine.once('reconnecting', () => resolve()))
      mine.disconnect(true)
      await reconnecting
      try {
        const t0 = performance.now()
        const cause = expectUnavailable(await rejection(store.load(newId())))
        expect(cause.message).toMatch(/^Stream isn't writeable/)
        expect(performance.now() - t0).toBeLessThan(500)
      } finally {
        mine.disconnect()
      }
    })

    it('a client that was ready and is reconnecting, with ioredis’ offline queue: calls wait in the client’s queue and are answered after the reconnect', async () => {
      const mine = new Redis(server.url, { lazyConnect: true, retryStrategy: () => 100 }) // offline queue on (the default)
      mine.on('error', () => {})
      await mine.connect()
      const store = new RedisStore(mine, { prefix: freshPrefix('requeue') })
      const id = newId()
      try {
        await store.create(id, meta(), one('a', Uint8Array.of(5)))
        const reconnecting = new Promise<void>((resolve) => mine.once('reconnecting', () => resolve()))
        mine.disconnect(true)
        await reconnecting
        expect(mine.status).toBe('reconnecting')
        const [loaded, touched] = await Promise.all([store.load(id), store.touch(id, meta().expiresAt)])
        expect(hex(loaded?.fields.get('a'))).toBe('05')
        expect(touched).toBe(true)
        await deleteKeys(mine, store.prefix)
      } finally {
        mine.disconnect()
      }
    })

    it('a call that gave up waiting for the first connection is never sent once the connection comes', async (ctx) => {
      if (server.external) ctx.skip('pauses the whole server: not on a shared REDIS_URL server')
      const prefix = freshPrefix('late')
      await new RedisStore(client, { prefix }).create(newId(), meta()) // the create script is on the server now
      // A new connection's ready check (INFO) waits out the pause: the client is not ready for 800 ms.
      await server.command('CLIENT', 'PAUSE', 800, 'ALL')
      const mine = new Redis(server.url, recommendedClientOptions)
      mine.on('error', () => {})
      try {
        const store = new RedisStore(mine, { prefix, timeout: 200 })
        const ready = new Promise<void>((resolve) => mine.once('ready', () => resolve()))
        const id = newId()
        const cause = expectUnavailable(await rejection(store.create(id, meta(), one('a', Uint8Array.of(1)))))
        expect(cause.message).toBe('timed out after 200 ms (waiting for the first connection)')
        await ready
        // Commands on one connection run in order: a create sent at 'ready' would have run by now.
        expect(await mine.exists(prefix + id)).toBe(0)
      } finally {
        mine.disconnect()
      }
    })

    it('a client with no offline queue but no commandTimeout does not bound its calls: the store’s timer does', async (ctx) => {
      if (server.external) ctx.skip('pauses the whole server: not on a shared REDIS_URL server')
      const mine = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true })
      await mine.connect()
      const store = new RedisStore(mine, { prefix: freshPrefix('unbounded'), timeout: 100 })
      const id = newId()
      await store.create(id, meta())
      await server.command('CLIENT', 'PAUSE', 1500, 'WRITE')
      try {
        const cause = expectUnavailable(await rejection(store.touch(id, meta().expiresAt)))
        expect(cause.message).toBe('timed out after 100 ms (the RedisStore timeout)')
      } finally {
        await server.command('CLIENT', 'UNPAUSE')
        mine.disconnect()
      }
    })

    it('a client to a closed port with enableOfflineQueue false: every call STORE_UNAVAILABLE within the timeout, none hangs', async () => {
      // The client never connects, so each call waits for a first connection (start-up) and
      // gives up at the store's timeout, without ever sending.
      const port = await freePort() // closed again: nothing listens there
      const dead = new Redis({ port, host: '127.0.0.1', ...recommendedClientOptions, retryStrategy: () => 50 })
      dead.on('error', () => {})
      const store = new RedisStore(dead, { timeout: 300 })
      const id = newId()
      try {
        const t0 = performance.now()
        const calls: Promise<unknown>[] = [
          store.create(id, meta()),
          store.load(id),
          store.getMulti(id, ['a']),
          store.commit(id, { expiresAt: meta().expiresAt }),
          store.touch(id, meta().expiresAt),
          store.regenerate(id, newId(), { expiresAt: meta().expiresAt }),
          store.destroy(id),
        ]
        for (const p of calls) {
          const cause = expectUnavailable(await rejection(p))
          expect(cause.message).toMatch(/waiting for the first connection/)
        }
        const took = performance.now() - t0
        expect(took).toBeGreaterThanOrEqual(250)
        expect(took).toBeLessThan(1300)
      } finally {
        dead.disconnect()
      }
    })

    it('with ioredis defaults (offline queue, 20 retries) the store’s own timeout still fails a call fast', async () => {
      const port = await freePort()
      const dead = new Redis(port, '127.0.0.1') // every default: the command would queue for many seconds
      dead.on('error', () => {})
      const store = new RedisStore(dead, { timeout: 250 })
      try {
        const t0 = performance.now()
        const cause = expectUnavailable(await rejection(store.load(newId())))
        const ms = performance.now() - t0
        expect(cause.message).toMatch(/timed out after 250 ms/)
        expect(ms).toBeGreaterThanOrEqual(240)
        expect(ms).toBeLessThan(1500)
      } finally {
        dead.disconnect()
      }
    })

    it('a client that bounds its commands itself gets no second timer; one that queues does', async (ctx) => {
      if (server.external) ctx.skip('pauses the whole server: not on a shared REDIS_URL server')
      const bounded = new Redis(server.url, { ...recommendedClientOptions, commandTimeout: 300, lazyConnect: true })
      const queueing = new Redis(server.url, { commandTimeout: 300, lazyConnect: true }) // offline queue on
      await bounded.connect()
      await queueing.connect()
      const a = new RedisStore(bounded, { prefix: freshPrefix('bound'), timeout: 100 })
      const b = new RedisStore(queueing, { prefix: freshPrefix('queue'), timeout: 100 })
      const id = newId()
      await a.create(id, meta(), one('a', Uint8Array.of(1)))
      await b.create(id, meta(), one('a', Uint8Array.of(1)))
      await server.command('CLIENT', 'PAUSE', 3000, 'WRITE')
      try {
        const [ea, eb] = await Promise.all([rejection(a.touch(id, meta().expiresAt)), rejection(b.touch(id, meta().expiresAt))])
        expect(expectUnavailable(ea).message).toBe('Command timed out') // the client's 300 ms
        expect(expectUnavailable(eb).message).toMatch(/timed out after 100 ms/) // the store's timer
      } finally {
        await server.command('CLIENT', 'UNPAUSE')
        bounded.disconnect()
        queueing.disconnect()
      }
    })

    it('a command that times out (commandTimeout, server paused) is STORE_UNAVAILABLE', async (ctx) => {
      if (server.external) ctx.skip('pauses the whole server: not on a shared REDIS_URL server')
      const mine = new Redis(server.url, { ...recommendedClientOptions, commandTimeout: 150, lazyConnect: true })
      await mine.connect()
      const store = new RedisStore(mine, { prefix: freshPrefix('pause'), timeout: 0 })
      const id = newId()
      await store.create(id, meta(), one('a', Uint8Array.of(1)))
      // WRITE pauses scripts (they may write) but lets CLIENT UNPAUSE through.
      await server.command('CLIENT', 'PAUSE', 3000, 'WRITE')
      try {
        const t0 = performance.now()
        // touch is a script (it writes), which WRITE pauses; a plain read would go through.
        const cause = expectUnavailable(await rejection(store.touch(id, meta().expiresAt)))
        expect(cause.message).toBe('Command timed out')
        expect(performance.now() - t0).toBeLessThan(1000)
      } finally {
        await server.command('CLIENT', 'UNPAUSE')
      }
      expect((await store.load(id))!.fields.size).toBe(1)
      await deleteKeys(mine, store.prefix)
      mine.disconnect()
    })

    it('a client that was disconnected for good (status "end") fails at once, and every method names itself: "Redis <method> failed: …"', async () => {
      const mine = await connect(server.url)
      const store = new RedisStore(mine, { prefix: freshPrefix('end') })
      const ended = new Promise<void>((resolve) => mine.once('end', () => resolve()))
      mine.disconnect()
      await ended
      expect(mine.status).toBe('end')
      const id = newId()
      const calls: [string, () => Promise<unknown>][] = [
        ['create', () => store.create(id, meta())],
        ['load', () => store.load(id)],
        ['getMulti', () => store.getMulti(id, ['a'])],
        ['commit', () => store.commit(id, { expiresAt: meta().expiresAt })],
        ['touch', () => store.touch(id, meta().expiresAt)],
        ['regenerate', () => store.regenerate(id, newId(), { expiresAt: meta().expiresAt })],
        ['destroy', () => store.destroy(id)],
        ['listSessions', () => store.listSessions('ada')],
        ['destroySessions', () => store.destroySessions('ada')],
      ]
      for (const [method, call] of calls) {
        const err = await rejection(call())
        expect(expectUnavailable(err).message).toBe('Connection is closed.')
        expect((err as Error).message).toBe(`Redis ${method} failed: the client's connection is closed (status "end")`)
      }
    })

    it('a Redis error reply (a key of the wrong type) is STORE_UNAVAILABLE, with the ReplyError as cause and the key redacted', async () => {
      const prefix = freshPrefix('wrongtype')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await client.set(prefix + id, 'a string, not a hash')
      for (const p of [store.load(id), store.getMulti(id, ['a']), store.commit(id, { set: one('a', Uint8Array.of(1)), expiresAt: meta().expiresAt }), store.touch(id, meta().expiresAt)]) {
        const err = await rejection(p)
        const cause = expectUnavailable(err)
        expect(cause.name).toBe('ReplyError')
        expect(cause.message).toMatch(/WRONGTYPE/)
        expect((err as Error).message).not.toContain(id)
        expect(JSON.stringify((cause as { command?: unknown }).command)).not.toContain(id)
      }
      expect(await store.create(id, meta())).toBe(false) // exists: never overwritten
      expect(await client.get(prefix + id)).toBe('a string, not a hash')
      await store.destroy(id)
      expect(await client.exists(prefix + id)).toBe(0)
    })

    it('a server that dies: calls fail fast, a failed read never becomes an empty session, and the data is there after a restart', async (ctx) => {
      if (!redisServerPath()) ctx.skip('needs redis-server on PATH, to start a server it can kill')
      const own = await startRedis({ appendonly: true })
      try {
        const why = processControl(own)
        if (why) ctx.skip(why)
        const redis = await connect(own.url)
        redis.on('error', () => {})
        const store = new RedisStore(redis, { prefix: freshPrefix('dies') })
        let cookie: string | undefined
        const manager = new Manager({
          store,
          secrets: [SECRET],
          getCookie: () => cookie,
          setCookie: (c: CookieAttributes) => {
            cookie = c.value || undefined
          },
        })
        const request = async (fn: (s: Session) => Promise<void>) => {
          const s = await manager.acquire({}, {})
          await fn(s)
        }
        await request(async (s) => {
          await s.set('user', 'alice')
          await s.set('n', 1)
          await s.commit()
        })
        const signed = cookie
        expect(signed).toBeDefined()

        await own.kill()
        const t0 = performance.now()
        await request(async (s) => {
          expectUnavailable(await rejection(s.get('user')))
          expectUnavailable(await rejection(s.set('user', 'mallory')))
          await s.commit() // nothing loaded, nothing to write: no store call, no cookie change
        })
        expect(performance.now() - t0).toBeLessThan(500)
        expect(cookie).toBe(signed)

        const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()))
        await own.restart()
        await ready
        await request(async (s) => {
          expect(await s.get('user')).toBe('alice')
          expect(await s.get('n')).toBe(1)
        })
        redis.disconnect()
      } finally {
        await own.stop()
      }
    })
  })
})

// ---------------------------------------------------------------------------------------------

describeRedis(
  'RedisStore on a cluster',
  () => {
    let cluster: RedisCluster
    let client: Cluster
    beforeAll(async () => {
      cluster = await startCluster()
      client = new Cluster(cluster.nodes, { enableOfflineQueue: false, redisOptions: { commandTimeout: 2000, maxRetriesPerRequest: 1 } })
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve)
        client.once('error', reject)
      })
    })
    afterAll(async () => {
      client?.disconnect()
      await cluster?.stop()
    })

    describeStore('RedisStore on Cluster', () => fixture(client), { realTtl: REAL_TTL })
    describeStore('RedisStore on Cluster (hashKeys)', () => fixture(client, { hashKeys: true }), { realTtl: REAL_TTL })

    it('a login on one node racing a destroy-all on another: the sessions from before end; every live one is listed, so a second call ends it', async () => {
      // The index (one slot) and the sessions (others) are written by separate commands, the
      // session first: a session that a login or a regenerate writes while the destroy-all runs
      // may survive it, but it is in the index by the time its call resolved (see the module
      // comment, "Owners"). Two clients: two connections, as two app servers would have.
      const other = new Cluster(cluster.nodes, { enableOfflineQueue: false, redisOptions: { commandTimeout: 2000, maxRetriesPerRequest: 1 } })
      await new Promise<void>((resolve, reject) => {
        other.once('ready', resolve)
        other.once('error', reject)
      })
      try {
        for (let round = 0; round < 5; round++) {
          const prefix = freshPrefix('race')
          await raceLoginsWithDestroyAll(new RedisStore(client, { prefix }), new RedisStore(other, { prefix }))
          await deleteKeys(client, prefix)
        }
      } finally {
        other.disconnect()
      }
    })

    it('the owner set expires with its sessions on a Cluster too (with headroom of at most one lifetime)', async () => {
      await ownerSetFollowsExpiry(new RedisStore(client, { prefix: freshPrefix('owners') }), client, 2)
    })

    it('after its last session expired the owner set is gone on a Cluster too; while one lives the set holds it', async () => {
      await ownerSetEndsWithItsSessions(new RedisStore(client, { prefix: freshPrefix('owners') }), client)
    })

    it('a commit that moves the expiry within the set’s headroom is one command; past it, two; one that does not move it, one', async () => {
      const store = new RedisStore(client, { prefix: freshPrefix('owners') })
      const id = newId()
      await store.create(id, owned('ada', 'h', HOUR))
      const count = (fn: () => Promise<unknown>) => sentDuring(client, fn)
      expect(await count(() => store.commit(id, { expiresAt: Date.now() + HOUR + 60_000 }))).toHaveLength(1)
      expect(await count(() => store.commit(id, { expiresAt: Date.now() + 3 * HOUR }))).toHaveLength(2)
      await expectSetCovers(store, client, 'ada', [id])
      const { meta: m } = (await store.load(id))!
      expect(await count(() => store.commit(id, { set: one('a', Uint8Array.of(1)), expiresAt: m.expiresAt }))).toHaveLength(1)
      expect(await count(() => store.touch(id, Date.now() + 3 * HOUR + 60_000))).toHaveLength(1)
    })

    it('the skip-cache never skips a raise the set needs after it was removed and made anew, or the session joined it again, elsewhere', async () => {
      const prefix = freshPrefix('owners')
      const ix = prefix + 'owner.ada'
      const app = new RedisStore(client, { prefix })
      const other = new RedisStore(client, { prefix }) // another process: a cache of its own
      const s1 = newId()
      await app.create(s1, owned('ada', 's1', 2 * HOUR))
      expect(await app.commit(s1, { expiresAt: Date.now() + 3 * HOUR })).toBe(true) // app has seen ada's set cover hours
      expect(await other.destroySessions('ada')).toBe(1) // the set goes with its last session
      expect(await client.exists(ix)).toBe(0)
      const s2 = newId()
      await other.create(s2, owned('ada', 's2', 2000)) // a new set, made for a session of 2 s
      expect(await app.commit(s2, { expiresAt: Date.now() + HOUR })).toBe(true)
      await expectSetCovers(app, client, 'ada', [s2])
      // The same after a set removed from outside the store (an operator's DEL) and made again.
      await client.unlink(ix)
      const s3 = newId()
      await other.create(s3, owned('ada', 's3', 2000))
      expect(await app.touch(s3, Date.now() + HOUR)).toBe(true)
      await expectSetCovers(app, client, 'ada', [s3])
      // A session that app knows as a member leaves (its last member: the set goes) and joins a
      // new set, made for 2 s, through the other process.
      const s4 = newId()
      await app.create(s4, owned('bob', 's4', 2 * HOUR))
      expect(await app.commit(s4, { expiresAt: Date.now() + 3 * HOUR })).toBe(true)
      expect(await other.commit(s4, { owner: null, expiresAt: Date.now() + 3 * HOUR })).toBe(true)
      expect(await client.exists(prefix + 'owner.bob')).toBe(0)
      expect(await other.commit(s4, { owner: 'bob', expiresAt: Date.now() + 2000 })).toBe(true)
      expect(await app.commit(s4, { expiresAt: Date.now() + HOUR })).toBe(true)
      await expectSetCovers(app, client, 'bob', [s4])
      await deleteKeys(client, prefix)
    })

    it('a set without a TTL (written before sets had one, here by hand) gets one at its owner’s next login on a Cluster too', async () => {
      const prefix = freshPrefix('owners')
      await persistentSetFittedAtLogin(new RedisStore(client, { prefix }), client, 2)
      // The fitting writes only a set that still has no TTL and holds no member it did not read.
      const ix = prefix + 'owner.bob'
      const fit = (...args: string[]) => (client as unknown as { simplesessionsFit1(...a: string[]): Promise<number> }).simplesessionsFit1(ix, ...args)
      await client.sadd(ix, 'read', 'joined-since')
      expect(await fit('60000', 'read')).toBe(0)
      expect(await client.pttl(ix)).toBe(-1)
      expect(await fit('60000', 'read', 'joined-since')).toBe(1)
      expect(await client.pttl(ix)).toBeGreaterThan(50_000)
      expect(await fit('120000', 'read', 'joined-since')).toBe(0)
      expect(await client.pttl(ix)).toBeLessThanOrEqual(60_000)
      await deleteKeys(client, prefix)
    })

    it('a member moved to no expiry between the fitting’s read and its write keeps the set persistent on a Cluster', async () => {
      const { prefix, ix, plain, a } = await legacySet(client)
      // The fitting's first read of a's lifetime answers 2 h, and a loses its expiry right after
      // (its own cover found the set persistent and did nothing).
      let reads = 0
      const racing = answering(client, {
        pttl: async (k: unknown) => {
          const r = await client.pttl(k as string)
          if (k === plain.key(a) && ++reads === 1) await client.persist(plain.key(a))
          return r
        },
      })
      await new RedisStore(racing, { prefix }).create(newId(), owned('ada', 'b', HOUR))
      expect(reads).toBe(2)
      expect(await client.pttl(ix)).toBe(-1)
      await deleteKeys(client, prefix)
    })

    it('a fitting that fails leaves the login done: the session is written and listed, the set stays as it was', async () => {
      const { prefix, ix, plain, a } = await legacySet(client)
      const failing = answering(client, { smembers: () => Promise.reject(new Error('node down')) })
      const b = newId()
      expect(await new RedisStore(failing, { prefix }).create(b, owned('ada', 'b', HOUR))).toBe(true)
      expect(await client.pttl(ix)).toBe(-1)
      expect((await plain.listSessions('ada')).map((x) => x.handle).sort()).toEqual(['a', 'b'])
      await deleteKeys(client, prefix)
    })

    it('a set removed behind a Cluster store’s back: a move its memory skips cannot put the session back; the first past that memory does, as does another process’s first', async () => {
      const prefix = freshPrefix('owners')
      const ix = prefix + 'owner.ada'
      const app = new RedisStore(client, { prefix })
      const a = newId()
      await app.create(a, owned('ada', 'a', HOUR)) // app remembers the set lasts 2 h
      await client.del(ix)
      expect(await sentDuring(client, () => app.commit(a, { expiresAt: Date.now() + HOUR + 60_000 }))).toHaveLength(1)
      expect(await app.listSessions('ada')).toEqual([]) // skipped: nothing could repair it
      expect(await sentDuring(client, () => app.commit(a, { expiresAt: Date.now() + 3 * HOUR }))).toHaveLength(2)
      expect((await app.listSessions('ada')).map((x) => x.handle)).toEqual(['a'])
      await expectSetCovers(app, client, 'ada', [a])
      await client.del(ix)
      const other = new RedisStore(client, { prefix }) // another process: it remembers nothing
      expect(await other.touch(a, Date.now() + 3 * HOUR + 60_000)).toBe(true)
      expect((await app.listSessions('ada')).map((x) => x.handle)).toEqual(['a'])
      await expectSetCovers(app, client, 'ada', [a])
      await deleteKeys(client, prefix)
    })

    it('bounded on a Cluster too: past maxSessionsPerOwner the session that expires soonest ends', async () => {
      const prefix = freshPrefix('owners')
      await expectCapped(new RedisStore(client, { prefix, maxSessionsPerOwner: 3 }), client)
      await deleteKeys(client, prefix)
    })

    itKeepsTheOwnerRules('Cluster', () => client)

    it('the owner sets follow each move on a Cluster: an owner change and a regenerate leave no old member; a listing and a destroy-all empty the set', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(client, { prefix })
      const [ada, bob] = [prefix + 'owner.ada', prefix + 'owner.bob']
      const [a, b, b2, c] = [newId(), newId(), newId(), newId()]
      for (const [id, h] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) await store.create(id, owned('ada', h))
      expect(await store.commit(a, { owner: 'bob', expiresAt: meta().expiresAt })).toBe(true)
      expect(await client.smembers(bob)).toEqual([prefix + a])
      expect((await client.smembers(ada)).sort()).toEqual([prefix + b, prefix + c].sort())
      expect(await store.regenerate(b, b2, { expiresAt: meta().expiresAt })).toBe('ok')
      expect((await client.smembers(ada)).sort()).toEqual([prefix + b2, prefix + c].sort())
      await store.destroy(c)
      expect((await store.listSessions('ada')).map((x) => x.handle)).toEqual(['b'])
      expect(await client.smembers(ada)).toEqual([prefix + b2]) // the listing took the dead member out
      expect(await store.destroySessions('ada')).toBe(1)
      expect(await client.exists(ada)).toBe(0) // its last member gone, the set is gone
      await deleteKeys(client, prefix)
    })

    it('round trips on a Cluster: a login below or at the cap is two commands, a first owner two, a regenerate to a taken ID one', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(client, { prefix, maxSessionsPerOwner: 2 })
      const [a, b, c] = [newId(), newId(), newId()]
      // The session, then its owner set; the cap reads the members only past it.
      expect(await sentDuring(client, () => store.create(a, owned('ada', 'a')))).toHaveLength(2)
      expect(await sentDuring(client, () => store.create(b, owned('ada', 'b')))).toHaveLength(2)
      await store.create(c, meta())
      expect(await sentDuring(client, () => store.commit(c, { owner: 'bob', handle: 'c', expiresAt: meta().expiresAt }))).toHaveLength(2)
      // A taken new ID is found before the old session is touched.
      expect(await sentDuring(client, async () => expect(await store.regenerate(a, b, { expiresAt: meta().expiresAt })).toBe('taken'))).toEqual(['exists'])
      expect((await store.load(a))?.meta.handle).toBe('a')
      await deleteKeys(client, prefix)
    })

    it('a login whose owner set cannot be written on a Cluster fails, and leaves no session the index does not know', async () => {
      const prefix = freshPrefix('owners')
      const store = new RedisStore(answering(client, { simplesessionsOwner1: async () => Promise.reject(new Error('the set is unreachable')) }), { prefix })
      const id = newId()
      const err = await rejection(store.create(id, owned('ada', 'h')))
      expect(expectUnavailable(err).message).toBe('the set is unreachable')
      expect((err as Error).message).toBe('Redis index failed: the set is unreachable')
      expect(await client.exists(prefix + id)).toBe(0)
    })

    it('a regenerate whose take answers in another shape on a Cluster is STORE_UNAVAILABLE', async () => {
      const prefix = freshPrefix('take')
      const cases: [unknown[], string][] = [
        [['a', '1'], 'unexpected reply from Redis to regenerate'],
        [[Buffer.from('a'), Buffer.from('1')], 'malformed session in Redis (something else writes to the session keys?)'],
        [[Buffer.from('a')], 'unexpected reply from Redis to regenerate'], // a name without its value
      ]
      for (const [reply, message] of cases) {
        const store = new RedisStore(answering(client, { simplesessionsTake1Buffer: async () => reply }), { prefix })
        const id = newId()
        await store.create(id, meta())
        const err = await rejection(store.regenerate(id, newId(), { expiresAt: meta().expiresAt }))
        expect(isSessionError(err, 'STORE_UNAVAILABLE'), String(err)).toBe(true)
        expect((err as Error).message).toBe(message)
      }
      await deleteKeys(client, prefix)
    })

    it('a regenerate to the same ID over a hash that is no session is "gone" on a Cluster too, and leaves the hash alone', async () => {
      const prefix = freshPrefix('foreign')
      const store = new RedisStore(client, { prefix })
      const id = newId()
      await client.hset(prefix + id, 'a', '1')
      expect(await store.regenerate(id, id, { expiresAt: meta().expiresAt })).toBe('gone')
      expect(await client.hgetall(prefix + id)).toEqual({ a: '1' })
      await client.del(prefix + id)
    })

    it('a new ID taken between the check and the create on a Cluster: the session is put back as it was, in its owner set', async () => {
      const prefix = freshPrefix('back')
      const store = new RedisStore(answering(client, { exists: async () => 0 }), { prefix }) // the check misses the taken ID
      const taken = newId()
      await store.create(taken, meta())
      const sessions: [string, SessionMeta][] = [
        [newId(), { ...owned('ada', 'h'), persist: true }],
        [newId(), meta()],
      ]
      for (const [id, m] of sessions) {
        await store.create(id, m, one('a', Uint8Array.of(1)))
        expect(await store.regenerate(id, taken, { set: one('x', Uint8Array.of(9)), expiresAt: m.expiresAt + 5000 })).toBe('taken')
        const back = (await store.load(id))!
        expect(back.meta).toEqual(m)
        expect([...back.fields.keys()]).toEqual(['a'])
        expect(await client.pexpiretime(prefix + id)).toBe(m.expiresAt)
      }
      expect((await store.listSessions('ada')).map((x) => x.handle)).toEqual(['h'])
      await deleteKeys(client, prefix)
    })

    it('on a Cluster a failure names the method, whichever of its commands failed', async () => {
      const prefix = freshPrefix('named')
      const plain = new RedisStore(client, { prefix })
      const later = () => meta().expiresAt
      // [the command that fails, the call, the method its error names]
      const cases: [string, (s: RedisStore, id: string, owner: string) => Promise<unknown>, string][] = [
        ['exists', (s, id) => s.regenerate(id, newId(), { expiresAt: later() }), 'regenerate'],
        ['simplesessionsTake1Buffer', (s, id) => s.regenerate(id, newId(), { expiresAt: later() }), 'regenerate'],
        ['simplesessionsCreate3', (s, id) => s.regenerate(id, newId(), { expiresAt: later() }), 'regenerate'],
        ['smembers', (s, _, owner) => s.listSessions(owner), 'listSessions'],
        ['hmgetBuffer', (s, _, owner) => s.listSessions(owner), 'listSessions'],
        ['srem', async (s, id, owner) => (await plain.destroy(id), s.listSessions(owner)), 'listSessions'], // removing the dead member
        ['unlink', (s, _, owner) => s.destroySessions(owner), 'destroySessions'],
        ['srem', (s, _, owner) => s.destroySessions(owner), 'destroySessions'],
        ['srem', (s, id) => s.commit(id, { owner: 'someone-else', expiresAt: later() }), 'index'], // leaving the old owner's set
        ['unlink', (s, _, owner) => s.create(newId(), owned(owner, 'second')), 'index'], // past the cap of 1: ending the other
        ['srem', (s, _, owner) => s.create(newId(), owned(owner, 'second')), 'index'],
      ]
      for (const [i, [command, call, method]] of cases.entries()) {
        const owner = `owner${i}`
        const id = newId()
        await plain.create(id, owned(owner, 'first'))
        const failing = new RedisStore(answering(client, { [command]: async () => Promise.reject(new Error('boom')) }), { prefix, maxSessionsPerOwner: 1 })
        const err = await rejection(call(failing, id, owner))
        expect(expectUnavailable(err).message).toBe('boom')
        expect((err as Error).message, `${command} failing in case ${i}`).toBe(`Redis ${method} failed: boom`)
      }
      await deleteKeys(client, prefix)
    })

    it('sessions spread over the masters, each one whole in one key on one node', async () => {
      for (const hashKeys of [false, true]) {
        const prefix = freshPrefix('spread')
        const store = new RedisStore(client, { prefix, hashKeys })
        const ids = Array.from({ length: 60 }, () => newId())
        for (const id of ids) await store.create(id, meta(), new Map([['a', Uint8Array.of(1)], ['b', patternBytes(300, 1)]]))
        const perNode = await Promise.all(client.nodes('master').map(async (node) => (await keysUnder(node, prefix)).length))
        expect(perNode.reduce((a, b) => a + b, 0)).toBe(ids.length)
        expect(perNode.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2)
        for (const id of ids.slice(0, 5)) {
          const record = await store.load(id)
          expect([...record!.fields.keys()].sort()).toEqual(['a', 'b'])
          expect(await store.commit(id, { set: one('c', Uint8Array.of(3)), delete: ['a'], expiresAt: meta().expiresAt })).toBe(true)
          expect((await store.getMulti(id, ['a', 'b', 'c']))!.values.map((v) => v?.length)).toEqual([undefined, 300, 1])
        }
        await deleteKeys(client, prefix)
      }
    })
  },
  { cluster: true },
)

describe('RedisStore on a Cluster, its memory of the owner sets (a client that answers without a server)', () => {
  it('skips a raise only while both clocks say the set lasts: a jump of Date.now() (a suspended VM, where performance.now() stood still) or of performance.now() sends it', async () => {
    const raises: unknown[][] = []
    const cluster = {
      status: 'ready',
      isCluster: true,
      defineCommand: () => undefined,
      hmgetBuffer: () => undefined,
      unlink: async () => 1,
      disconnect: () => undefined,
      // Every touch moves a session of ada's that has an hour left; her set then lasts two.
      simplesessionsTouch2: async () => ['ada', HOUR, 'ada', '1'],
      simplesessionsOwner1: async (...args: unknown[]) => (raises.push(args), [0, 2 * HOUR]),
    }
    const store = new RedisStore(cluster as unknown as Cluster, { prefix: 'p:' })
    const id = newId()
    const later = Date.now() + HOUR
    const [wall, mono] = [Date.now(), performance.now()]
    const touch = async (clocks: { wall?: number; mono?: number } = {}) => {
      const d = clocks.wall === undefined ? undefined : vi.spyOn(Date, 'now').mockReturnValue(wall + clocks.wall)
      const p = clocks.mono === undefined ? undefined : vi.spyOn(performance, 'now').mockReturnValue(mono + clocks.mono)
      try {
        expect(await store.touch(id, later)).toBe(true)
      } finally {
        d?.mockRestore()
        p?.mockRestore()
      }
      return raises.length
    }
    expect(await touch()).toBe(1) // nothing known: raised, and remembered (two hours)
    expect(await touch()).toBe(1) // covered on both clocks: skipped
    expect(await touch({ wall: 3 * HOUR })).toBe(2) // Redis's clock ran on three hours while this process slept
    expect(await touch({ mono: 3 * HOUR })).toBe(3)
    expect(await touch()).toBe(3)
    expect(raises[0]).toEqual(['p:owner.ada', String(HOUR), String(2 * HOUR), 'p:' + id, ''])
  })
})
