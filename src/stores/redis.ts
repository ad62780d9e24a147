// The Redis store (simplesessions/stores/redis), on an ioredis Redis or Cluster client. It follows
// the contract in ./types.ts; the decisions of its own:
//
// ## Connections
//
// `new RedisStore(client, options)` uses the client it is given (a `Redis` or a `Cluster`) and
// never opens a connection of its own; close() then leaves the client alone. Only when given a
// URL string (`new RedisStore('redis://…')`) does it open one, with the recommended settings
// below, and close() quits it. ioredis is an optional peer dependency: this subpath imports it,
// nothing else in the package does.
//
// The store defines its Lua scripts on the client with ioredis' defineCommand (EVALSHA with a
// fallback to EVAL when the server does not know the script yet), under names starting with
// `simplesessions`. A client `keyPrefix` applies to the store's keys as to every other key.
//
// ## Layout
//
// One hash per session, under `prefix + id` (prefix default 'session:'); with `hashKeys: true`,
// under `prefix + base64url(SHA-256(id))` (the digest computed by the WASM core), so that what a
// store lookup touches, and what a key listing or a slow log shows, gives away nothing about
// valid IDs (the reasoning of Rack's CVE-2019-16782). The hash holds:
//
//   <field name>     the codec's bytes, binary safe; the name is the field's UTF-8 bytes, as is
//   \xFFcreatedAt    metadata: integer ms since the epoch, in ASCII decimal
//   \xFFexpiresAt    metadata: integer ms since the epoch in ASCII decimal, or "inf"
//
// The metadata names start with the byte 0xFF, which never occurs in UTF-8, so no field name can
// take them and field names need no escaping ('' and '__proto__' are ordinary fields). Field
// names must therefore be well-formed strings (no lone surrogates, which UTF-8 cannot carry):
// anything else is a TypeError. A session exists exactly when its key holds a hash with the
// createdAt field.
//
// The key expires with the session: PEXPIREAT at expiresAt (integer ms; Infinity: PERSIST, no
// TTL). Expiry is Redis's, so the store's clock is the Redis server's: a session is gone once
// the server's clock has passed expiresAt (Redis keeps a key through the millisecond it expires
// in). Each session is one key, so it lives in one hash slot and works unchanged on Redis
// Cluster (a prefix with a {hash tag} would put every session in one slot: don't).
//
// ## Commands (each method is one round trip, atomic; but regenerate on a Cluster, three)
//
//   create   script: EXISTS → 0 if the key exists (of any type: it never overwrites), else HSET
//            metadata and fields, PEXPIREAT
//   load     HGETALL, sent as callBuffer('HGETALL') so ioredis leaves the reply a raw array
//            (its object form would decode the 0xFF names as text); with a client that answers
//            in another shape, a script that returns HGETALL's array instead
//   getMulti HMGET of the two metadata names and the asked fields, nothing else
//   commit   script, guarded: HGET createdAt → 0 (writes nothing) if the session is gone; then
//            for `clear` DEL and re-HSET createdAt, else HDEL the deleted names; HSET the set
//            fields and expiresAt; PEXPIREAT or PERSIST. A request finishing after a logout
//            therefore cannot resurrect the session, and two commits that change different
//            fields both keep their writes (each touches only its own fields)
//   touch    script, guarded the same way: HSET expiresAt, PEXPIREAT or PERSIST
//   regenerate  single node: one script over the old and the new key, guarded: HGET createdAt
//            of the old → 'gone' if missing, EXISTS new → 'taken', RENAME old new (fields that
//            other requests committed meanwhile move too), then the commit's body on the new
//            key. Cluster (the keys are in different slots, which no script spans): EXISTS new,
//            then a script that takes the old hash (HGETALL and UNLINK at once), then the create
//            script on the new key; see regenerate() for why that keeps the guarantee
//   destroy  UNLINK
// Scripts apply HSET/HDEL in chunks of 500 pairs (Lua's unpack has a stack limit). The store never
// uses KEYS or SCAN: nothing it does needs a listing.
//
// ## Failures
//
// A Redis error (a ReplyError such as WRONGTYPE), a lost connection, a closed client or a command
// that times out rejects with SessionError 'STORE_UNAVAILABLE', the original error as `cause`
// (its `command.args`, which hold the session key and values, are redacted first). Reads never
// turn a failure into null, so a failed load can never become an empty session that a commit
// then writes over real data. A timed-out write has an unknown outcome (it may still be applied
// when the connection comes back, as with any network store); a failed commit is never retried.
//
// How fast a failure surfaces depends on the client. Recommended (`recommendedClientOptions`):
//   commandTimeout: 1000        a command without a reply within 1 s fails ("Command timed out")
//   maxRetriesPerRequest: 1     a command in flight when the connection drops fails after one
//                               reconnect attempt, instead of 20
//   enableOfflineQueue: false   while disconnected, commands fail at once instead of queueing
// For a Cluster: `new Cluster(nodes, { enableOfflineQueue: false, redisOptions: {
// commandTimeout: 1000, maxRetriesPerRequest: 1 } })` (ioredis always lets a Cluster's node
// connections queue until they connect; the Cluster's own enableOfflineQueue governs the rest).
//
// With ioredis defaults (no commandTimeout, offline queue on, maxRetriesPerRequest 20) nothing
// bounds a call: a command to a server that stops answering waits as long as the connection
// stays up; while the client reconnects, commands queue and fail only after 20 reconnect
// attempts (about 10 s when connections are refused, minutes when each attempt has to time out);
// and what is still queued is sent when the connection returns. So the store bounds every call
// itself: `timeout` (default 2000 ms; 0 turns it off) races each command against a timer and
// rejects STORE_UNAVAILABLE when the timer wins, whatever the client's settings. The request
// is then free; the command itself stays with the client (a queued write may still land later,
// which is why the recommended settings matter). A single-node client that bounds every call
// itself (a commandTimeout, and no offline queue) needs no second timer: the store then adds
// none (two timers a request cost ~4-5 us of CPU in the bench), and commandTimeout is the bound.
// A client whose status is 'end' (quit, or disconnected for good) fails at once, without a
// command.
//
// Start-up: until a client is first ready (its status is 'wait', 'connecting' or 'connect' when
// the store is made), a call waits for the 'ready' event, within `timeout` (or the client's
// commandTimeout when the timeout is 0), and never sends once that has passed; so requests
// that arrive while the server starts up wait for the connection instead of failing with
// "Stream isn't writeable" (ioredis without an offline queue). A lazyConnect client is
// connected by the first call. Once the client has been ready, a disconnected client fails
// fast, as the recommended settings intend. A Redis that cannot be reached at start-up thus
// answers every call with STORE_UNAVAILABLE after the timeout.
//
// A store opened from a URL uses the recommended settings, with commandTimeout = `timeout` (1000
// when the timeout is 0), plus any `clientOptions` given; it swallows the client's 'error'
// events (each failing call reports its own). Such a store keeps the process alive until close().

import { Redis as IORedis } from 'ioredis'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { SessionError, configError, isSessionError } from '../errors.js'
import { core } from '../wasm/index.js'
import type { CommitBatch, FieldValues, RegenerateResult, SessionMeta, SessionRecord, Store } from './types.js'

export interface RedisStoreOptions {
  /** Prepended to every key. Default 'session:'. */
  prefix?: string
  /**
   * Key sessions by base64url(SHA-256(id)) instead of the ID itself, so that keys (in listings,
   * slow logs, MONITOR, a stolen RDB file) reveal no valid session ID. Default false.
   */
  hashKeys?: boolean
  /**
   * Milliseconds each call may take before it rejects with STORE_UNAVAILABLE, whatever the
   * client's own settings. Default 2000; 0 turns the store's timer off (the client's
   * commandTimeout must then bound every call).
   */
  timeout?: number
  /** Only with a URL: options for the client the store opens, over the recommended ones. */
  clientOptions?: RedisOptions
}

/** The ioredis settings this store is meant to run with; see the module comment. */
export const recommendedClientOptions = {
  commandTimeout: 1000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
} as const satisfies RedisOptions

/** The metadata field names (0xFF never occurs in UTF-8, so no field name can take them). */
const CREATED = Buffer.from('\xffcreatedAt', 'latin1')
const EXPIRES = Buffer.from('\xffexpiresAt', 'latin1')
const MAX_TIMER_MS = 2_147_483_647

// Lua: "\255" is the byte 0xFF. Every script but the single-node regenerate takes the session
// key as KEYS[1] (numberOfKeys 1, so a Cluster client routes by it).
const LUA_CREATE = String.raw`-- ARGV: createdAt, expiresAt (ms or 'inf'), then name, value, ...
local k = KEYS[1]
if redis.call('EXISTS', k) == 1 then return 0 end
local n = #ARGV
redis.call('HSET', k, '\255createdAt', ARGV[1], '\255expiresAt', ARGV[2])
for i = 3, n, 1000 do
  redis.call('HSET', k, unpack(ARGV, i, math.min(i + 999, n)))
end
if ARGV[2] ~= 'inf' then redis.call('PEXPIREAT', k, ARGV[2]) end
return 1
`

const LUA_LOAD = String.raw`return redis.call('HGETALL', KEYS[1])
`

// The body of a commit, shared by the commit and the regenerate scripts: `k` is the session's
// key and `created` its createdAt. ARGV: expiresAt (ms or 'inf'), clear ('1' or '0'), d, d names
// to delete, then name, value, ...
const LUA_APPLY = String.raw`local n = #ARGV
local last = 3 + tonumber(ARGV[3])
if ARGV[2] == '1' then
  redis.call('DEL', k)
  redis.call('HSET', k, '\255createdAt', created)
else
  for i = 4, last, 1000 do
    redis.call('HDEL', k, unpack(ARGV, i, math.min(i + 999, last)))
  end
end
for i = last + 1, n, 1000 do
  redis.call('HSET', k, unpack(ARGV, i, math.min(i + 999, n)))
end
redis.call('HSET', k, '\255expiresAt', ARGV[1])
if ARGV[1] == 'inf' then redis.call('PERSIST', k) else redis.call('PEXPIREAT', k, ARGV[1]) end
return 1
`

const LUA_COMMIT = String.raw`-- ARGV: see LUA_APPLY
local k = KEYS[1]
local created = redis.call('HGET', k, '\255createdAt')
if not created then return 0 end
` + LUA_APPLY

// Single node: KEYS[1] the old key, KEYS[2] the new one; 0: the old one is gone, 2: the new one
// is taken, 1: moved and committed. RENAME keeps fields other requests committed meanwhile.
const LUA_REGENERATE = String.raw`-- ARGV: see LUA_APPLY
local created = redis.call('HGET', KEYS[1], '\255createdAt')
if not created then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
redis.call('RENAME', KEYS[1], KEYS[2])
local k = KEYS[2]
` + LUA_APPLY

// Cluster, first step of a regenerate: the whole hash of a live session, removed in the same
// script (so no commit, touch or second regenerate can land on the old key afterwards), or an
// empty array when it is gone.
const LUA_TAKE = String.raw`local h = redis.call('HGETALL', KEYS[1])
if redis.call('HEXISTS', KEYS[1], '\255createdAt') == 0 then return {} end
redis.call('UNLINK', KEYS[1])
return h
`

const LUA_TOUCH = String.raw`-- ARGV: expiresAt (ms or 'inf')
local k = KEYS[1]
if redis.call('HEXISTS', k, '\255createdAt') == 0 then return 0 end
redis.call('HSET', k, '\255expiresAt', ARGV[1])
if ARGV[1] == 'inf' then redis.call('PERSIST', k) else redis.call('PEXPIREAT', k, ARGV[1]) end
return 1
`

/** Names of the scripts on the client (versioned: a changed script gets a new name). */
const CMD = {
  create: 'simplesessionsCreate1',
  load: 'simplesessionsLoad1',
  commit: 'simplesessionsCommit1',
  touch: 'simplesessionsTouch1',
  regenerate: 'simplesessionsRegenerate1',
  take: 'simplesessionsTake1',
} as const

type Arg = string | Buffer
/** The client with the store's scripts defined on it. */
interface Scripted {
  simplesessionsCreate1(key: string, ...args: Arg[]): Promise<number>
  simplesessionsLoad1Buffer(key: string): Promise<Buffer[]>
  simplesessionsCommit1(key: string, ...args: Arg[]): Promise<number>
  simplesessionsTouch1(key: string, expiresAt: string): Promise<number>
  simplesessionsRegenerate1(oldKey: string, newKey: string, ...args: Arg[]): Promise<number>
  simplesessionsTake1Buffer(key: string): Promise<Buffer[]>
}

type Client = Redis | Cluster

/** ioredis client statuses before the first 'ready' (or between reconnects, which never wait). */
const STARTING = new Set(['wait', 'connecting', 'connect'])

function isClient(c: unknown): c is Client {
  const o = c as Record<string, unknown> | null
  return typeof o === 'object' && o !== null && ['defineCommand', 'hmgetBuffer', 'unlink', 'disconnect'].every((m) => typeof o[m] === 'function') && typeof o.status === 'string'
}

function isBytes(v: unknown): v is Uint8Array {
  // The second test admits a Uint8Array from another realm (vm, iframe), never an Int8Array.
  return v instanceof Uint8Array || (ArrayBuffer.isView(v) && (v as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Uint8Array')
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`session id must be a non-empty string, got ${typeof id}`)
}

const LONE_SURROGATE = /\p{Cs}/u

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`field name must be a string, got ${typeof name}`)
  if (LONE_SURROGATE.test(name)) throw new TypeError('field name must be a well-formed string (it has a lone surrogate, which UTF-8 cannot carry)')
}

function checkTime(what: string, ms: unknown, infinite: boolean): asserts ms is number {
  if (!(Number.isSafeInteger(ms) || (infinite && ms === Infinity))) {
    throw new TypeError(`${what} must be integer milliseconds since the epoch${infinite ? ' or Infinity' : ''}, got ${String(ms)}`)
  }
}

/** A private copy of a caller's value, as ioredis sends it (a Buffer; a plain Uint8Array would be stringified). */
function valueArg(name: string, v: unknown): Buffer {
  if (!isBytes(v)) throw new TypeError(`store value of field ${JSON.stringify(name)} must be a Uint8Array, got ${typeof v}`)
  return Buffer.from(v)
}

const timeArg = (ms: number): string => (ms === Infinity ? 'inf' : String(ms))

/** The ARGV of the create script. */
function createArgs(createdAt: string, expiresAt: string, fields: ReadonlyMap<string, Buffer>): Arg[] {
  const args: Arg[] = [createdAt, expiresAt]
  for (const [name, value] of fields) args.push(name, value)
  return args
}

/** The ARGV of the commit body (LUA_APPLY), every name and value checked first. */
function batchArgs(batch: CommitBatch): Arg[] {
  checkTime('expiresAt', batch?.expiresAt, true)
  const { set, delete: deletes, clear } = batch
  const args: Arg[] = [timeArg(batch.expiresAt), clear ? '1' : '0', '0']
  if (deletes !== undefined) {
    for (const name of deletes) checkName(name)
    // With clear every field goes anyway.
    if (!clear) {
      args[2] = String(deletes.length)
      for (const name of deletes) args.push(name)
    }
  }
  if (set !== undefined) {
    for (const [name, value] of set) {
      checkName(name)
      args.push(name, valueArg(name, value))
    }
  }
  return args
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.equals(b)
}

/** A fresh Uint8Array (ioredis' reply Buffers may be slices of a shared, reused pool). */
const own = (b: Buffer): Uint8Array => new Uint8Array(b)

function parseTime(b: Buffer | null | undefined, infinite: boolean): number {
  const s = b?.toString('latin1')
  if (infinite && s === 'inf') return Infinity
  const n = s !== undefined && /^-?\d{1,16}$/.test(s) ? Number(s) : NaN
  if (!Number.isSafeInteger(n)) throw new SessionError('STORE_UNAVAILABLE', 'malformed session metadata in Redis (something else writes to the session keys?)')
  return n
}

/** Removes what an ioredis error carries about the command's arguments: the key (an ID) and values. */
function redact(err: unknown): void {
  try {
    const e = err as { command?: { name?: unknown; args?: unknown } }
    if (e && typeof e === 'object' && e.command && typeof e.command === 'object') {
      e.command = { name: e.command.name, args: ['[redacted by simplesessions: the session key and values]'] }
    }
  } catch {
    // a frozen error: leave it
  }
}

/**
 * Sessions in Redis (or Redis Cluster) through ioredis. See the module comment for the layout,
 * the scripts and the failure semantics.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { RedisStore, recommendedClientOptions } from 'simplesessions/stores/redis'
 * const redis = new Redis(process.env.REDIS_URL, recommendedClientOptions)
 * const manager = new Manager({ store: new RedisStore(redis, { hashKeys: true }), secrets })
 */
export class RedisStore implements Store {
  readonly prefix: string
  readonly hashKeys: boolean
  /** ms; 0 when the store sets no timer of its own. */
  readonly timeout: number
  readonly #client: Client
  readonly #scripts: Scripted
  /** The store opened the client (from a URL) and closes it. */
  readonly #owned: boolean
  /** The client bounds every command itself, so the store adds no timer (see the module comment). */
  readonly #selfBounded: boolean
  /** load uses a plain HGETALL while the client answers it with an array (see load). */
  #rawLoad = true
  /** A client that has not been ready yet: calls wait for it (within #readyWait). */
  #firstReady: Promise<void> | undefined
  /** ms a call may wait for the first connection: the timeout, else the client's commandTimeout. */
  readonly #readyWait: number
  #closed = false

  constructor(client: Redis | Cluster | string, options: RedisStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object')
    const prefix = options.prefix ?? 'session:'
    if (typeof prefix !== 'string') throw configError('prefix', prefix, 'a string')
    const hashKeys = options.hashKeys ?? false
    if (typeof hashKeys !== 'boolean') throw configError('hashKeys', hashKeys, 'a boolean')
    const timeout = options.timeout ?? 2000
    if (!Number.isSafeInteger(timeout) || timeout < 0 || timeout > MAX_TIMER_MS) {
      throw configError('timeout', timeout, `integer milliseconds from 1 to ${MAX_TIMER_MS}, or 0 for no timer of the store's own`)
    }
    if (options.clientOptions !== undefined && (typeof options.clientOptions !== 'object' || options.clientOptions === null)) {
      throw configError('clientOptions', options.clientOptions, 'an object of ioredis options')
    }
    this.prefix = prefix
    this.hashKeys = hashKeys
    this.timeout = timeout

    if (typeof client === 'string') {
      if (!/^rediss?:\/\//i.test(client)) throw configError('client', '(a string that is not a redis:// or rediss:// URL)', 'an ioredis Redis or Cluster, or a redis:// URL')
      const c = new IORedis(client, { ...recommendedClientOptions, ...(timeout ? { commandTimeout: timeout } : {}), ...options.clientOptions })
      // Each failing call reports its error; without a listener ioredis would print every one.
      c.on('error', () => {})
      this.#client = c
      this.#owned = true
    } else {
      if (options.clientOptions !== undefined) throw configError('clientOptions', '(given with a client)', 'only for a store opened from a URL')
      if (!isClient(client)) throw configError('client', typeof client, 'an ioredis Redis or Cluster, or a redis:// URL')
      this.#client = client
      this.#owned = false
    }
    const c = this.#client
    if (STARTING.has(c.status)) {
      this.#firstReady = new Promise<void>((resolve) => {
        c.once('ready', () => {
          this.#firstReady = undefined
          resolve()
        })
      })
    }
    c.defineCommand(CMD.create, { numberOfKeys: 1, lua: LUA_CREATE })
    c.defineCommand(CMD.load, { numberOfKeys: 1, lua: LUA_LOAD })
    c.defineCommand(CMD.commit, { numberOfKeys: 1, lua: LUA_COMMIT })
    c.defineCommand(CMD.touch, { numberOfKeys: 1, lua: LUA_TOUCH })
    c.defineCommand(CMD.regenerate, { numberOfKeys: 2, lua: LUA_REGENERATE })
    c.defineCommand(CMD.take, { numberOfKeys: 1, lua: LUA_TAKE })
    this.#scripts = c as unknown as Scripted
    // See the module comment ("Failures"). A Cluster's node connections always queue: not bounded.
    const o = (c as { isCluster?: boolean; options?: { commandTimeout?: unknown; enableOfflineQueue?: unknown } })
    const commandTimeout = typeof o.options?.commandTimeout === 'number' && o.options.commandTimeout > 0 ? o.options.commandTimeout : 0
    this.#selfBounded = o.isCluster !== true && commandTimeout > 0 && o.options?.enableOfflineQueue === false
    this.#readyWait = timeout || commandTimeout
  }

  /** The client the store sends its commands through. */
  get client(): Redis | Cluster {
    return this.#client
  }

  /** The Redis key of session `id`. */
  key(id: string): string {
    checkId(id)
    if (!this.hashKeys) return this.prefix + id
    return this.prefix + Buffer.from(core.sha256(Buffer.from(id, 'utf8'))).toString('base64url')
  }

  async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    this.#open()
    const key = this.key(id)
    checkTime('createdAt', meta?.createdAt, false)
    checkTime('expiresAt', meta.expiresAt, true)
    const args: Arg[] = [String(meta.createdAt), timeArg(meta.expiresAt)]
    if (fields !== undefined) {
      for (const [name, value] of fields) {
        checkName(name)
        args.push(name, valueArg(name, value))
      }
    }
    return (await this.#run('create', () => this.#scripts.simplesessionsCreate1(key, ...args))) === 1
  }

  async load(id: string): Promise<SessionRecord | null> {
    this.#open()
    const key = this.key(id)
    // A plain HGETALL: a script call costs Redis ~3.5 us more (measured by the bench). Named in
    // upper case because ioredis keys its reply transformers by the lower-case name (routing and
    // key prefixes are case-insensitive): the reply stays the raw array of Buffers, where the
    // object it would otherwise build decodes the 0xFF metadata names as text. A client that
    // answers in another shape (a future ioredis, RESP3) moves this store to the load script.
    let reply: unknown
    if (this.#rawLoad) {
      reply = await this.#run('load', () => this.#client.callBuffer('HGETALL', key))
      if (!Array.isArray(reply)) this.#rawLoad = false
    }
    if (!this.#rawLoad) reply = await this.#run('load', () => this.#scripts.simplesessionsLoad1Buffer(key))
    if (!Array.isArray(reply) || !reply.every((b) => Buffer.isBuffer(b))) {
      throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to load')
    }
    let created: Buffer | undefined
    let expires: Buffer | undefined
    const fields = new Map<string, Uint8Array>()
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const name = reply[i]!
      const value = reply[i + 1]!
      if (name[0] === 0xff) {
        if (sameBytes(name, CREATED)) created = value
        else if (sameBytes(name, EXPIRES)) expires = value
        continue
      }
      fields.set(name.toString('utf8'), own(value))
    }
    if (created === undefined) return null
    return { meta: { createdAt: parseTime(created, false), expiresAt: parseTime(expires, true) }, fields }
  }

  async getMulti(id: string, names: readonly string[]): Promise<FieldValues | null> {
    this.#open()
    const key = this.key(id)
    for (const name of names) checkName(name)
    const reply = await this.#run('getMulti', () => this.#client.hmgetBuffer(key, CREATED, EXPIRES, ...names))
    if (!Array.isArray(reply) || reply.length !== names.length + 2) throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to getMulti')
    const created = reply[0]
    if (created === null || created === undefined) return null
    const meta = { createdAt: parseTime(created, false), expiresAt: parseTime(reply[1], true) }
    const values: (Uint8Array | undefined)[] = new Array(names.length)
    for (let i = 0; i < names.length; i++) {
      const v = reply[i + 2]
      values[i] = v === null || v === undefined ? undefined : own(v)
    }
    return { meta, values }
  }

  async commit(id: string, batch: CommitBatch): Promise<boolean> {
    this.#open()
    const key = this.key(id)
    const args = batchArgs(batch)
    return (await this.#run('commit', () => this.#scripts.simplesessionsCommit1(key, ...args))) === 1
  }

  /**
   * On a single node, one script over both keys (see the module comment). On a Cluster the two
   * keys live in different slots, which no script or MULTI can span, so it takes two steps: take
   * the old session (read and removed in one script), then create it under the new key with the
   * batch applied. The take is the point at which the regenerate happens: a destroy or commit
   * of the old ID after it finds nothing, one before it is in what was taken. Between the steps
   * neither ID is live, and if the second step fails the session is lost (the client starts
   * afresh) rather than kept under both IDs or brought back after a logout.
   */
  async regenerate(oldId: string, newId: string, batch: CommitBatch): Promise<RegenerateResult> {
    this.#open()
    const oldKey = this.key(oldId)
    const newKey = this.key(newId)
    const args = batchArgs(batch)
    if (oldKey === newKey) return (await this.load(oldId)) ? 'taken' : 'gone'
    if ((this.#client as { isCluster?: boolean }).isCluster !== true) {
      const r = await this.#run('regenerate', () => this.#scripts.simplesessionsRegenerate1(oldKey, newKey, ...args))
      return r === 1 ? 'ok' : r === 2 ? 'taken' : 'gone'
    }
    // A taken new ID needs a broken ID generator; checking first keeps the session in place then.
    if ((await this.#run('regenerate', () => this.#client.exists(newKey))) === 1) return 'taken'
    const reply = await this.#run('regenerate', () => this.#scripts.simplesessionsTake1Buffer(oldKey))
    if (!Array.isArray(reply) || !reply.every((b) => Buffer.isBuffer(b))) throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to regenerate')
    if (reply.length === 0) return 'gone'
    // The taken hash as HSET arguments: createdAt, expiresAt, then name, value, ...
    let created: Buffer | undefined
    let expires: Buffer | undefined
    const taken = new Map<string, Buffer>()
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const name = reply[i]!
      const value = reply[i + 1]!
      if (name[0] !== 0xff) taken.set(name.toString('utf8'), value)
      else if (sameBytes(name, CREATED)) created = value
      else if (sameBytes(name, EXPIRES)) expires = value
    }
    const createdAt = String(parseTime(created, false))
    const { set, delete: deletes, clear } = batch
    const fields = clear ? new Map<string, Buffer>() : new Map(taken)
    if (deletes !== undefined) for (const name of deletes) fields.delete(name)
    if (set !== undefined) for (const [name, value] of set) fields.set(name, valueArg(name, value))
    const made = await this.#run('regenerate', () => this.#scripts.simplesessionsCreate1(newKey, ...createArgs(createdAt, timeArg(batch.expiresAt), fields)))
    if (made === 1) return 'ok'
    // Taken between the check and the create: put the session back as it was.
    const oldExpiry = timeArg(parseTime(expires, true))
    await this.#run('regenerate', () => this.#scripts.simplesessionsCreate1(oldKey, ...createArgs(createdAt, oldExpiry, taken)))
    return 'taken'
  }

  async touch(id: string, expiresAt: number): Promise<boolean> {
    this.#open()
    const key = this.key(id)
    checkTime('expiresAt', expiresAt, true)
    return (await this.#run('touch', () => this.#scripts.simplesessionsTouch1(key, timeArg(expiresAt)))) === 1
  }

  async destroy(id: string): Promise<void> {
    this.#open()
    const key = this.key(id)
    await this.#run('destroy', () => this.#client.unlink(key))
  }

  /**
   * Marks the store closed (every later call rejects STORE_UNAVAILABLE) and, only when the store
   * opened the connection itself (from a URL), quits it. A client passed in stays open.
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (!this.#owned) return
    const c = this.#client
    if (c.status === 'end') return
    if (c.status === 'ready') {
      try {
        await c.quit()
        return
      } catch {
        // fall through to an abrupt disconnect
      }
    }
    c.disconnect()
  }

  #open(): void {
    if (this.#closed) throw new SessionError('STORE_UNAVAILABLE', 'the RedisStore was closed')
  }

  /** Runs one command: fails fast on a closed client, bounded by the store's timeout, errors typed. */
  async #run<R>(op: string, send: () => Promise<R>): Promise<R> {
    const c = this.#client
    if (c.status === 'end') {
      throw new SessionError('STORE_UNAVAILABLE', `Redis ${op} failed: the client's connection is closed (status "end")`, { cause: new Error('Connection is closed.') })
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    let late = false
    try {
      let sent: Promise<R>
      const starting = this.#firstReady !== undefined && c.status !== 'ready'
      if (starting && this.#readyWait) {
        // A client still making its first connection: wait for it, within the bound, and send
        // nothing once the caller has been told it failed. A lazyConnect client is connected
        // here, as its first command would connect it.
        if (c.status === 'wait') c.connect().catch(() => {})
        const ready = this.#firstReady!
        sent = ready.then(() => {
          if (late) throw new Error('not sent: the RedisStore timeout passed first')
          return send()
        })
      } else {
        sent = send()
      }
      const bound = starting ? this.#readyWait : this.#selfBounded ? 0 : this.timeout
      if (!bound) return await sent
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          late = true
          reject(new Error(`timed out after ${bound} ms (${starting ? 'waiting for the first connection' : 'the RedisStore timeout'})`))
        }, bound)
        ;(timer as { unref?: () => void }).unref?.()
      })
      return await Promise.race([sent, deadline])
    } catch (err) {
      if (isSessionError(err)) throw err
      redact(err)
      const msg = err instanceof Error ? err.message : String(err)
      throw new SessionError('STORE_UNAVAILABLE', `Redis ${op} failed: ${msg}`, { cause: err })
    } finally {
      clearTimeout(timer)
    }
  }
}
