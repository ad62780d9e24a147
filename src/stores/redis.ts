// The Redis store (simplesessions/stores/redis), on an ioredis Redis or Cluster client. It follows
// the contract in ./types.ts; its own rules (the reasons, each method's commands and the failure
// timings: docs/decisions/redis-store.md):
//
// - The client is the caller's: the store opens a connection only when given a redis:// URL (then
//   with recommendedClientOptions, and close() quits it). Only this subpath imports ioredis.
// - One hash per session, under `prefix + id`, or `prefix + base64url(SHA-256(id))` with hashKeys
//   so that key listings and slow logs reveal no valid ID (the lesson of Rack's CVE-2019-16782,
//   https://nvd.nist.gov/vuln/detail/CVE-2019-16782). Fields under their UTF-8 names; metadata
//   under names that start with 0xFF, a byte UTF-8 never contains (RFC 3629), so nothing needs
//   escaping and a name with a lone surrogate is a TypeError.
// - The key expires with the session (PEXPIREAT; Infinity: PERSIST), on the server's clock. One
//   key a session, so one Cluster slot: never a {hash tag} in the prefix.
// - Each method is one round trip, atomic (a Lua script where it writes). commit, touch and
//   regenerate are guarded on createdAt, so a late request never resurrects a destroyed session,
//   and a commit writes only its own fields. On a Cluster, regenerate takes three round trips.
// - Owners: a set per owner, kept inside the session's scripts on one node, by separate commands
//   after the session on a Cluster; dead members are removed lazily, the set capped; a session
//   without a handle is in no listing and no destroySessions. The set expires after its last
//   member: every write that moves an owned session's expiry raises the set's to cover it (never
//   lowers it), and puts the session back into a set that lost it. A Cluster gives the set twice
//   the lifetime and remembers, per session, how long it lasts (by both clocks), so most moves need
//   no second command; so a set that goes early (removed from outside, evicted) gets a session
//   back only at its first move that ends past the set's expiry as the process last saw it. Owner
//   sets, like sessions, must not be evicted: maxmemory-policy noeviction (a volatile-* policy may
//   pick them, since they have a TTL; an allkeys-* one any key).
// - Any failure rejects 'STORE_UNAVAILABLE' (the cause's arguments redacted), never a null that a
//   commit could write over; `timeout` bounds each call unless the client bounds it itself.

import { Redis as IORedis } from 'ioredis'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { SessionError, configError } from '../errors.js'
import { checkBatchMeta, checkCreateMeta, checkId, checkMeta, checkName, checkOptions, checkTime, checkValue, timerOption } from './checks.js'
import { core } from '../wasm/index.js'
import type { CommitBatch, DestroyFilter, FieldValues, OwnedSession, RegenerateResult, SessionMeta, SessionRecord, Store } from './types.js'

/**
 * Options of a {@link RedisStore}; every one has a default.
 *
 * @example
 * import { RedisStore, type RedisStoreOptions } from 'simplesessions/stores/redis'
 *
 * const options: RedisStoreOptions = { prefix: 'myapp:sess:', hashKeys: true, timeout: 500 }
 * const store = new RedisStore('redis://localhost:6379', options)
 */
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
  /** Most sessions of one owner; a new one beyond it ends the owner's one that expires soonest. Default 1000. */
  maxSessionsPerOwner?: number
}

/**
 * The ioredis settings this store is meant to run with (docs/decisions/redis-store.md, "Failures"):
 * a Redis outage then fails each call fast, with STORE_UNAVAILABLE, instead of queueing it.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { recommendedClientOptions } from 'simplesessions/stores/redis'
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379', { ...recommendedClientOptions, db: 1 })
 */
export const recommendedClientOptions = {
  /** A command fails after 1 s without an answer. */
  commandTimeout: 1000,
  /** One retry after a lost connection, then the command fails. */
  maxRetriesPerRequest: 1,
  /** While disconnected, commands fail at once rather than wait in a queue. */
  enableOfflineQueue: false,
} as const satisfies RedisOptions

/** The metadata field names (0xFF never occurs in UTF-8, so no field name can take them). */
const CREATED = Buffer.from('\xffcreatedAt', 'latin1')
const EXPIRES = Buffer.from('\xffexpiresAt', 'latin1')
const OWNER = Buffer.from('\xffowner', 'latin1')
const HANDLE = Buffer.from('\xffhandle', 'latin1')
const PERSIST = Buffer.from('\xffpersist', 'latin1')
const META_NAMES = [CREATED, EXPIRES, OWNER, HANDLE, PERSIST]

// Lua: "\255" is the byte 0xFF. Every script but the single-node regenerate takes the session
// key as KEYS[1] (numberOfKeys 1, so a Cluster client routes by it).

// The owner index (docs/decisions/owner-index.md, "Redis: the owner sets expire"). An owner set
// must outlive each live member and end after the last: every write that gives an owned session
// an expiry raises the set's to cover it (never lowers it: another member may need it), and a member
// without expiry makes the set persistent. Lifetimes are relative (PTTL), so a Cluster's set and
// sessions on different nodes need no common clock.
//
// index_need(k): how long session key `k` has left, in ms (-1: no expiry; gone: 0).
// index_cover(ix, m, need, give): makes set `ix` last `need` ms more (-1: for ever), setting `give`
// (>= need) when it must change; a set without expiry stays so. It also adds the live member `m`
// (need ~= 0): nothing where the set holds it (an SADD that changes nothing is not replicated),
// but a set that was removed while `m` lived (from outside, evicted, expired after a raise that
// failed), or made anew since by another member, gets it back. The set's PTTL after (-2: none).
// index_join(ix, m, need, give): adds member `m`; a set the SADD made takes its lifetime (a new
// set has none to raise). A set that held `m` already, even alone, keeps its expiry (given, maybe,
// for a member gone since): the caller covers it. The set's size after, and whether the SADD made it.
// index_add (single node): index_join, then past `cap` members, drops the dead ones (their hash
// is gone) and ends the live one that expires soonest; a set without expiry that it did not make
// (kept by a member without one, or written before sets had one) takes its longest member's.
// `cp` is the client's keyPrefix (a member is a key as the store names it, without it). At most
// cap + 1 members are ever read.
const LUA_INDEX = String.raw`local function index_need(k)
  local r = redis.call('PTTL', k)
  if r == -2 then return 0 end
  return r
end
local function index_cover(ix, m, need, give)
  local left = redis.call('PTTL', ix)
  if need == 0 then return left end
  redis.call('SADD', ix, m)
  if left == -1 then return -1 end
  if need == -1 then
    redis.call('PERSIST', ix)
    return -1
  end
  if left >= need then return left end
  redis.call('PEXPIRE', ix, give)
  return give
end
local function index_join(ix, m, need, give)
  local made = redis.call('SADD', ix, m) == 1
  local n = redis.call('SCARD', ix)
  made = made and n == 1
  if made and need ~= -1 then redis.call('PEXPIRE', ix, give) end
  return n, made
end
local function index_add(ix, m, cp, cap, need)
  local n, made = index_join(ix, m, need, need)
  if made then return end
  local left = redis.call('PTTL', ix)
  if n <= cap and left ~= -1 then
    index_cover(ix, m, need, need)
    return
  end
  local victim, soonest, longest = nil, nil, need
  for _, o in ipairs(redis.call('SMEMBERS', ix)) do
    local e = redis.call('HGET', cp .. o, '\255expiresAt')
    if not e then
      redis.call('SREM', ix, o)
    else
      if o ~= m then
        local t = math.huge
        if e ~= 'inf' then t = tonumber(e) end
        if soonest == nil or t < soonest then victim, soonest = o, t end
      end
      if left == -1 and longest ~= -1 then
        local r = redis.call('PTTL', cp .. o)
        if r == -1 or r > longest then longest = r end
      end
    end
  end
  if victim and redis.call('SCARD', ix) > cap then
    redis.call('UNLINK', cp .. victim)
    redis.call('SREM', ix, victim)
  end
  if left ~= -1 then index_cover(ix, m, need, need) elseif longest ~= -1 then redis.call('PEXPIRE', ix, longest) end
end
`

const LUA_CREATE = LUA_INDEX + String.raw`-- ARGV: createdAt, expiresAt (ms or 'inf'), owner, handle, persist ('' for none), index base
-- ('' : not in this script), client prefix, this key as the store names it, cap, then name, value, ...
-- 0: taken; 1: created; on a Cluster, an owned session: {owner, its lifetime (ms, -1 none), '', ''}
-- for the caller to index.
local k = KEYS[1]
if redis.call('EXISTS', k) == 1 then return 0 end
local n = #ARGV
redis.call('HSET', k, '\255createdAt', ARGV[1], '\255expiresAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', k, '\255owner', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', k, '\255handle', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', k, '\255persist', ARGV[5]) end
for i = 10, n, 1000 do
  redis.call('HSET', k, unpack(ARGV, i, math.min(i + 999, n)))
end
if ARGV[2] ~= 'inf' then redis.call('PEXPIREAT', k, ARGV[2]) end
if ARGV[3] == '' then return 1 end
if ARGV[6] == '' then return {ARGV[3], index_need(k), '', ''} end
index_add(ARGV[6] .. ARGV[3], ARGV[8], ARGV[7], tonumber(ARGV[9]), index_need(k))
return 1
`

const LUA_LOAD = String.raw`return redis.call('HGETALL', KEYS[1])
`

// The body of a commit, shared by the commit and the regenerate scripts: `k` is the session's
// key, `g` its createdAt and expiresAt before. ARGV (see APPLY_HEADER):
// expiresAt (ms or 'inf'), clear ('1' or '0'), owner change ('' none, 's' set, 'n' remove),
// owner, handle (kept if it has one), persist ('' unchanged, '1', '0'), index base ('' : not in
// this script), client prefix, the session's key and its key before (both as the store names
// them: they differ after a regenerate), cap, d, d names to delete, then name, value, ... The
// metadata survives `clear`.
// Replies 1; on a Cluster, when the index must follow (the session joins or leaves a set, or an
// owned session's expiry moved): {owner ('' none), its lifetime (ms, -1 none), owner before,
// joined count}. `\xffjoined` (Cluster only) counts the times the session joined an owner set
// after its create, so the store can tell a membership it knows from a later one (see
// #covered). A commit that neither moves the expiry nor changes the owner reads no more than
// the two times and writes only its fields: the key's expiry is already the one it would set.
const LUA_APPLY = LUA_INDEX + String.raw`local n = #ARGV
local last = 12 + tonumber(ARGV[12])
local moved = ARGV[9] ~= ARGV[10]
local same = ARGV[1] == g[2]
if ARGV[2] == '1' or ARGV[3] ~= '' or moved or not same then
  local o = redis.call('HMGET', k, '\255owner', '\255joined')
  g[3], g[4] = o[1], o[2]
end
local was = g[3]
if ARGV[2] == '1' then
  local before = redis.call('HMGET', k, '\255handle', '\255persist')
  redis.call('DEL', k)
  redis.call('HSET', k, '\255createdAt', g[1])
  if was then redis.call('HSET', k, '\255owner', was) end
  if before[1] then redis.call('HSET', k, '\255handle', before[1]) end
  if before[2] then redis.call('HSET', k, '\255persist', before[2]) end
  if g[4] then redis.call('HSET', k, '\255joined', g[4]) end
else
  for i = 13, last, 1000 do
    redis.call('HDEL', k, unpack(ARGV, i, math.min(i + 999, last)))
  end
end
for i = last + 1, n, 1000 do
  redis.call('HSET', k, unpack(ARGV, i, math.min(i + 999, n)))
end
if ARGV[3] == 's' then redis.call('HSET', k, '\255owner', ARGV[4]) elseif ARGV[3] == 'n' then redis.call('HDEL', k, '\255owner') end
if ARGV[5] ~= '' then redis.call('HSETNX', k, '\255handle', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', k, '\255persist', ARGV[6]) end
if ARGV[2] == '1' or not same then
  redis.call('HSET', k, '\255expiresAt', ARGV[1])
  if ARGV[1] == 'inf' then redis.call('PERSIST', k) else redis.call('PEXPIREAT', k, ARGV[1]) end
end
local owner = was
if ARGV[3] == 's' then owner = ARGV[4] elseif ARGV[3] == 'n' then owner = false end
local joins = owner and (owner ~= was or moved)
local leaves = was and (was ~= owner or moved)
local extends = owner and not same
if not (joins or leaves or extends) then return 1 end
if ARGV[7] == '' then
  if joins then g[4] = redis.call('HINCRBY', k, '\255joined', 1) end
  return {owner or '', owner and index_need(k) or 0, was or '', tostring(g[4] or '')}
end
if leaves then redis.call('SREM', ARGV[7] .. was, ARGV[10]) end
if joins then
  index_add(ARGV[7] .. owner, ARGV[9], ARGV[8], tonumber(ARGV[11]), index_need(k))
elseif extends then
  local need = index_need(k)
  index_cover(ARGV[7] .. owner, ARGV[9], need, need)
end
return 1
`
/** Entries of LUA_APPLY's ARGV before the names to delete. */
const APPLY_HEADER = 12

const LUA_COMMIT = String.raw`-- ARGV: see LUA_APPLY
local k = KEYS[1]
local g = {redis.call('HGET', k, '\255createdAt')}
if not g[1] then return 0 end
g[2] = redis.call('HGET', k, '\255expiresAt')
` + LUA_APPLY

// Single node: KEYS[1] the old key, KEYS[2] the new one; 0: the old one is gone, 2: the new one
// is taken, 1: moved and committed. RENAME keeps fields other requests committed meanwhile.
const LUA_REGENERATE = String.raw`-- ARGV: see LUA_APPLY
local g = {redis.call('HGET', KEYS[1], '\255createdAt')}
if not g[1] then return 0 end
g[2] = redis.call('HGET', KEYS[1], '\255expiresAt')
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

const LUA_TOUCH = LUA_INDEX + String.raw`-- ARGV: expiresAt (ms or 'inf'), index base ('' : not in this script), the session's key as the
-- store names it (its member). Replies as LUA_APPLY.
local k = KEYS[1]
if redis.call('HEXISTS', k, '\255createdAt') == 0 then return 0 end
if redis.call('HGET', k, '\255expiresAt') == ARGV[1] then return 1 end
redis.call('HSET', k, '\255expiresAt', ARGV[1])
if ARGV[1] == 'inf' then redis.call('PERSIST', k) else redis.call('PEXPIREAT', k, ARGV[1]) end
local g = redis.call('HMGET', k, '\255owner', '\255joined')
if not g[1] then return 1 end
local need = index_need(k)
if ARGV[2] == '' then return {g[1], need, g[1], g[2] or ''} end
index_cover(ARGV[2] .. g[1], ARGV[3], need, need)
return 1
`

// Cluster: the owner set's side of a write, KEYS[1] the set; ARGV: the session's lifetime (ms, -1
// none), the lifetime to give the set when it must change, the session's key (its member: added
// when joining, and put back by a cover if the set lost it), '1' to join ('' to cover only).
// Replies {size after (0 when not joining), the set's PTTL after (-2: there is no set)}.
const LUA_OWNER = LUA_INDEX + String.raw`local ix, need, give, m = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if ARGV[4] ~= '1' then return {0, index_cover(ix, m, need, give)} end
local n, made = index_join(ix, m, need, give)
if made then return {1, redis.call('PTTL', ix)} end
return {n, index_cover(ix, m, need, give)}
`

// Cluster: fits a set without expiry, KEYS[1], to ARGV[1] ms (its members' longest lifetime, which
// the store read), unless it has an expiry by now or holds a member that is not among the rest of
// ARGV (one that joined after they were read, maybe without expiry). 1: fitted.
const LUA_FIT = String.raw`if redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
local read = {}
for i = 2, #ARGV do read[ARGV[i]] = true end
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not read[m] then return 0 end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`

// Single node: the owner's live sessions, KEYS[1] its index; ARGV: client prefix, owner. Dead
// members (and any whose session now has another owner) are removed on the way: the lazy cleanup.
const LUA_LIST = String.raw`local out = {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('HMGET', ARGV[1] .. m, '\255createdAt', '\255expiresAt', '\255handle', '\255owner')
  if not v[1] or v[4] ~= ARGV[2] then
    redis.call('SREM', KEYS[1], m)
  elseif v[3] then
    out[#out + 1] = v[3]
    out[#out + 1] = v[1]
    out[#out + 1] = v[2]
  end
end
return out
`

// Single node: ends the owner's sessions, KEYS[1] its index; ARGV: client prefix, owner, the
// handle to keep ('' none), '1' when only the handles that follow are to end, then handles. A
// session without a handle is not in the owner's index (as LUA_LIST and every store see it), so
// it is left alone.
const LUA_DESTROY_OWNED = String.raw`local only = nil
if ARGV[4] == '1' then
  only = {}
  for i = 5, #ARGV do only[ARGV[i]] = true end
end
local ended = 0
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('HMGET', ARGV[1] .. m, '\255createdAt', '\255handle', '\255owner')
  if not v[1] or v[3] ~= ARGV[2] then
    redis.call('SREM', KEYS[1], m)
  elseif v[2] and v[2] ~= ARGV[3] and (only == nil or only[v[2]]) then
    redis.call('UNLINK', ARGV[1] .. m)
    redis.call('SREM', KEYS[1], m)
    ended = ended + 1
  end
end
return ended
`

/** Most sessions a Cluster store remembers its owner set's expiry for (#covered): ~1 MB. */
const COVERED_MAX = 10_000

/** Names of the scripts on the client (versioned: a changed script gets a new name). */
const CMD = {
  create: 'simplesessionsCreate3',
  load: 'simplesessionsLoad1',
  commit: 'simplesessionsCommit3',
  touch: 'simplesessionsTouch2',
  regenerate: 'simplesessionsRegenerate3',
  take: 'simplesessionsTake1',
  list: 'simplesessionsList1',
  destroyOwned: 'simplesessionsDestroyOwned1',
  owner: 'simplesessionsOwner1',
  fit: 'simplesessionsFit1',
} as const

type Arg = string | Buffer
/**
 * A write's reply: 0 (gone, or taken), 1 (done), or on a Cluster what the owner index must follow.
 */
type WriteReply = 0 | 1 | Follow
/** What the owner index must follow on a Cluster: [owner ('' none), the session's lifetime in ms (-1: no expiry), the owner before, its joined count]. */
type Follow = [owner: string, lifetime: number, was: string, joined: string]
/** The client with the store's scripts defined on it. */
interface Scripted {
  simplesessionsCreate3(key: string, ...args: Arg[]): Promise<WriteReply>
  simplesessionsLoad1Buffer(key: string): Promise<Buffer[]>
  simplesessionsCommit3(key: string, ...args: Arg[]): Promise<WriteReply>
  simplesessionsTouch2(key: string, expiresAt: string, indexBase: string, member: string): Promise<WriteReply>
  simplesessionsRegenerate3(oldKey: string, newKey: string, ...args: Arg[]): Promise<number>
  simplesessionsOwner1(index: string, lifetime: string, give: string, member: string, join: string): Promise<[size: number, left: number]>
  simplesessionsFit1(index: string, give: string, ...members: string[]): Promise<number>
  simplesessionsTake1Buffer(key: string): Promise<Buffer[]>
  simplesessionsList1Buffer(index: string, clientPrefix: string, owner: string): Promise<Buffer[]>
  simplesessionsDestroyOwned1(index: string, ...args: string[]): Promise<number>
}

type Client = Redis | Cluster

/** ioredis client statuses before the first 'ready' (or between reconnects, which never wait). */
const STARTING = new Set(['wait', 'connecting', 'connect'])

function isClient(c: unknown): c is Client {
  const o = c as Record<string, unknown> | null
  return typeof o === 'object' && o !== null && ['defineCommand', 'hmgetBuffer', 'unlink', 'disconnect'].every((m) => typeof o[m] === 'function') && typeof o.status === 'string'
}

const LONE_SURROGATE = /\p{Cs}/u

/** A field name, which becomes UTF-8 in Redis: a lone surrogate, which UTF-8 cannot carry, is refused. */
function checkUtf8Name(name: unknown): asserts name is string {
  checkName(name)
  if (LONE_SURROGATE.test(name)) throw new TypeError('field name must be a well-formed string (it has a lone surrogate, which UTF-8 cannot carry)')
}

/** A private copy of a caller's value, as ioredis sends it (a Buffer; a plain Uint8Array would be stringified). */
function valueArg(name: string, v: unknown): Buffer {
  checkValue(name, v)
  return Buffer.from(v)
}

const timeArg = (ms: number): string => (ms === Infinity ? 'inf' : String(ms))

/** Where a script finds the owner index: `base` '' when it leaves the index to the caller (Cluster). */
interface IndexArgs {
  /** The owner sets' key prefix as the server sees it (client keyPrefix included), or ''. */
  base: string
  /** The client's keyPrefix. */
  cp: string
  /** The session's key as the store names it (a member of an owner set)… */
  member: string
  /** …and before this call (differs after a regenerate). */
  oldMember: string
  cap: string
}

/** The metadata entries of a create (the times apart), '' for none. */
interface MetaArgs {
  owner: string
  handle: string
  persist: string
}

const persistArg = (p: boolean | undefined): string => (p === undefined ? '' : p ? '1' : '0')

/** For a create without an owner: nothing more on the wire. */
const NO_INDEX: IndexArgs = { base: '', cp: '', member: '', oldMember: '', cap: '' }

/** The ARGV of the create script. */
function createArgs(createdAt: string, expiresAt: string, meta: MetaArgs, ix: IndexArgs, fields: ReadonlyMap<string, Buffer>): Arg[] {
  const args: Arg[] = [createdAt, expiresAt, meta.owner, meta.handle, meta.persist, ix.base, ix.cp, ix.member, ix.cap]
  for (const [name, value] of fields) args.push(name, value)
  return args
}

/** The ARGV of the commit body (LUA_APPLY), every name and value checked first. */
function batchArgs(batch: CommitBatch, ix: IndexArgs): Arg[] {
  checkBatchMeta(batch)
  const { set, delete: deletes, clear, owner } = batch
  const args: Arg[] = [
    timeArg(batch.expiresAt),
    clear ? '1' :
      // Stryker disable next-line StringLiteral: equivalent, the scripts test this entry only for '1'
      '0',
    owner === undefined ? '' : owner === null ? 'n' : 's',
    // Stryker disable next-line StringLiteral: equivalent, the scripts read the owner only when the change is 's', and then it is the batch's
    owner ?? '',
    batch.handle ?? '',
    persistArg(batch.persist),
    ix.base,
    ix.cp,
    ix.member,
    ix.oldMember,
    ix.cap,
    '0',
  ]
  if (deletes !== undefined) {
    for (const name of deletes) checkUtf8Name(name)
    // With clear every field goes anyway: no names to send.
    // Stryker disable next-line ArrayDeclaration: equivalent, with clear the script deletes the whole hash and skips the counted names, so the pairs after them still line up
    const named = clear ? [] : deletes
    args[APPLY_HEADER - 1] = String(named.length)
    for (const name of named) args.push(name)
  }
  if (set !== undefined) {
    for (const [name, value] of set) {
      checkUtf8Name(name)
      args.push(name, valueArg(name, value))
    }
  }
  return args
}

/** Session metadata from its stored fields (times required; the others when present). */
function metaOf(created: Buffer, expires: Buffer | null | undefined, owner: Buffer | null | undefined, handle: Buffer | null | undefined, persist: Buffer | null | undefined): SessionMeta {
  const meta: SessionMeta = { createdAt: parseTime(created, false), expiresAt: parseTime(expires, true) }
  if (owner) meta.owner = owner.toString('utf8')
  if (handle) meta.handle = handle.toString('utf8')
  if (persist) meta.persist = persist[0] === 0x31
  return meta
}

/** An HGETALL reply as the store reads it: name/value pairs of Buffers. */
function isHashReply(reply: unknown): reply is Buffer[] {
  return Array.isArray(reply) && reply.length % 2 === 0 && reply.every((b) => Buffer.isBuffer(b))
}

/** A session's HGETALL reply: its metadata (undefined when it has no createdAt: no session) and fields. */
function parseHash(reply: Buffer[]): { meta: SessionMeta | undefined; fields: Map<string, Buffer> } {
  const m: (Buffer | undefined)[] = []
  const fields = new Map<string, Buffer>()
  for (let i = 0; i < reply.length; i += 2) {
    const name = reply[i]!
    const value = reply[i + 1]!
    if (name[0] !== 0xff) fields.set(name.toString('utf8'), value)
    // An unknown 0xFF name (a Cluster's \xffjoined) matches none: skipped.
    else for (let at = 0; at < META_NAMES.length; at++) if (name.equals(META_NAMES[at]!)) m[at] = value
  }
  return { meta: m[0] === undefined ? undefined : metaOf(m[0], m[1], m[2], m[3], m[4]), fields }
}

/** A fresh Uint8Array (ioredis' reply Buffers may be slices of a shared, reused pool). */
const own = (b: Buffer): Uint8Array => new Uint8Array(b)

function parseTime(b: Buffer | null | undefined, infinite: boolean): number {
  const s = b?.toString('latin1')
  if (infinite && s === 'inf') return Infinity
  // A missing field is no time either: String(undefined) is 'undefined'.
  const n = /^-?\d{1,16}$/.test(String(s)) ? Number(s) : NaN
  if (!Number.isSafeInteger(n)) throw new SessionError('STORE_UNAVAILABLE', 'malformed session metadata in Redis (something else writes to the session keys?)')
  return n
}

/**
 * Removes what an ioredis error carries about the command's arguments: the key (an ID) and values.
 * Whatever was thrown that has a command object (an Error, or anything else) loses them.
 */
function redact(err: unknown): void {
  const e = err as { command?: { name?: unknown } | null } | null | undefined
  const command = e?.command
  if (typeof command !== 'object' || command === null) return
  const redacted = { name: command.name, args: ['[redacted by simplesessions: the session key and values]'] }
  try {
    e!.command = redacted
  } catch {
    // a frozen error: leave it
  }
}

/**
 * Sessions in Redis (or Redis Cluster) through ioredis. See the module comment, and
 * docs/decisions/redis-store.md for the layout, the scripts and the failure semantics.
 *
 * @example
 * import { Redis } from 'ioredis'
 * import { Manager } from 'simplesessions'
 * import { RedisStore, recommendedClientOptions } from 'simplesessions/stores/redis'
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379', recommendedClientOptions)
 * const manager = new Manager({ store: new RedisStore(redis, { hashKeys: true }), secrets: [process.env.SESSION_SECRET!] })
 */
export class RedisStore implements Store {
  /** Prepended to every key. */
  readonly prefix: string
  /** Keys are base64url(SHA-256(id)) rather than the ID. */
  readonly hashKeys: boolean
  /** ms; 0 when the store sets no timer of its own. */
  readonly timeout: number
  /** Most sessions of one owner. */
  readonly maxSessionsPerOwner: number
  readonly #client: Client
  /** A Cluster: the owner index is kept by separate commands, not inside the session's scripts. */
  readonly #cluster: boolean
  /** The client's keyPrefix (scripts name other keys than their KEYS with it). */
  readonly #cp: string
  /** Where the scripts find the owner sets (keyPrefix included); '' on a Cluster, where they leave them to the store. */
  readonly #base: string
  readonly #scripts: Scripted
  /** The store opened the client (from a URL) and closes it. */
  readonly #owned: boolean
  /** The client bounds every command itself (a commandTimeout, no offline queue), so the store adds no timer. */
  readonly #selfBounded: boolean
  /**
   * Cluster: per session key, the owner whose set this process last saw last until `until`
   * (performance.now() ms) and `wall` (Date.now() ms), and the session's joined count then, so
   * that a commit moving the expiry within both needs no write to the set. Two clocks, because
   * each can be wrong alone: performance.now() stops while a virtual machine is suspended (Redis's
   * TTLs run on), and Date.now() may be set back. Keyed by membership, not owner: the store never
   * removes a set while one of its members lives, so what held for a member holds while it stays
   * one; a set emptied and made anew (by destroySessions, or in another process) may be shorter
   * than any earlier one of that owner, and a session that left and joined again (its joined
   * count moved) may be in such a set. Bounded: the oldest entry goes first.
   */
  readonly #covered = new Map<string, { owner: string; joined: string; until: number; wall: number }>()
  /** load uses a plain HGETALL while the client answers it with an array (see load). */
  #rawLoad = true
  /** A client that has not been ready yet: calls wait for it (within #readyWait). */
  #firstReady: Promise<void> | undefined
  /** ms a call may wait for the first connection: the timeout, else the client's commandTimeout. */
  readonly #readyWait: number
  #closed = false

  constructor(client: Redis | Cluster | string, options: RedisStoreOptions = {}) {
    checkOptions(options)
    const prefix = options.prefix ?? 'session:'
    if (typeof prefix !== 'string') throw configError('prefix', prefix, 'a string')
    const hashKeys = options.hashKeys ?? false
    if (typeof hashKeys !== 'boolean') throw configError('hashKeys', hashKeys, 'a boolean')
    const timeout = timerOption('timeout', options.timeout, 2000, "for no timer of the store's own")
    if (options.clientOptions !== undefined && (typeof options.clientOptions !== 'object' || options.clientOptions === null)) {
      throw configError('clientOptions', options.clientOptions, 'an object of ioredis options')
    }
    const cap = options.maxSessionsPerOwner ?? 1000
    if (!Number.isSafeInteger(cap) || cap < 1) throw configError('maxSessionsPerOwner', cap, 'a positive integer')
    this.prefix = prefix
    this.hashKeys = hashKeys
    this.timeout = timeout
    this.maxSessionsPerOwner = cap

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
      // Auto-pipelining sends callBuffer's arguments without its command name
      // (https://github.com/redis/ioredis/issues/1923): every load would fail at run time.
      if ((client as { options?: { enableAutoPipelining?: unknown } }).options?.enableAutoPipelining === true) {
        throw configError('client', '(an ioredis client with enableAutoPipelining)', 'a client without auto-pipelining: ioredis drops the command name of callBuffer under it, see docs/decisions/redis-store.md')
      }
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
    c.defineCommand(CMD.list, { numberOfKeys: 1, lua: LUA_LIST })
    c.defineCommand(CMD.destroyOwned, { numberOfKeys: 1, lua: LUA_DESTROY_OWNED })
    c.defineCommand(CMD.owner, { numberOfKeys: 1, lua: LUA_OWNER })
    c.defineCommand(CMD.fit, { numberOfKeys: 1, lua: LUA_FIT })
    this.#scripts = c as unknown as Scripted
    this.#cluster = (c as { isCluster?: boolean }).isCluster === true
    const keyPrefix = (c as { options?: { keyPrefix?: unknown } }).options?.keyPrefix
    this.#cp = typeof keyPrefix === 'string' ? keyPrefix : ''
    this.#base = this.#cluster ? '' : this.#cp + prefix + 'owner.'
    // docs/decisions/redis-store.md, "Failures". A Cluster's node connections always queue: not bounded.
    const o = (c as { isCluster?: boolean; options?: { commandTimeout?: unknown; enableOfflineQueue?: unknown } })
    // A commandTimeout of 0 or less is none (NaN too: the tests below read it as 0).
    const commandTimeout = typeof o.options?.commandTimeout === 'number' ? Math.max(o.options.commandTimeout, 0) : 0
    // Stryker disable next-line OptionalChaining: equivalent, reached only after a commandTimeout > 0 was read from the options
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
    // (Buffer.from encodes a string as UTF-8.)
    return this.prefix + Buffer.from(core.sha256(Buffer.from(id))).toString('base64url')
  }

  /** The key of an owner's index (a set of session keys as the store names them). IDs never hold '.', so no session key is one. */
  #indexKey(owner: string): string {
    return this.prefix + 'owner.' + owner
  }

  /** Where the scripts of a call on `member` (moved from `oldMember`) keep the index: in them on a single node. */
  #ix(member: string, oldMember: string = member): IndexArgs {
    return { base: this.#base, cp: this.#cp, member, oldMember, cap: String(this.maxSessionsPerOwner) }
  }

  async create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    this.#open()
    const key = this.key(id)
    checkCreateMeta(meta)
    const values = new Map<string, Buffer>()
    if (fields !== undefined) {
      for (const [name, value] of fields) {
        checkUtf8Name(name)
        values.set(name, valueArg(name, value))
      }
    }
    const m = { owner: meta.owner ?? '', handle: meta.handle ?? '', persist: persistArg(meta.persist) }
    // Without an owner the script reads no index arguments: none are sent.
    const args = createArgs(String(meta.createdAt), timeArg(meta.expiresAt), m, meta.owner === undefined ? NO_INDEX : this.#ix(key), values)
    const made = await this.#run('create', () => this.#scripts.simplesessionsCreate3(key, ...args))
    if (Array.isArray(made)) await this.#indexAdd(key, made)
    return made !== 0
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
    if (!isHashReply(reply)) {
      throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to load')
    }
    const { meta, fields } = parseHash(reply)
    if (meta === undefined) return null
    const out = new Map<string, Uint8Array>()
    for (const [name, value] of fields) out.set(name, own(value))
    return { meta, fields: out }
  }

  async getMulti(id: string, names: readonly string[]): Promise<FieldValues | null> {
    this.#open()
    const key = this.key(id)
    for (const name of names) checkUtf8Name(name)
    const reply = await this.#run('getMulti', () => this.#client.hmgetBuffer(key, CREATED, EXPIRES, OWNER, HANDLE, PERSIST, ...names))
    if (!Array.isArray(reply) || reply.length !== names.length + 5) throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to getMulti')
    // HMGET answers null for a missing field.
    const created = reply[0]
    if (!created) return null
    const meta = metaOf(created, reply[1], reply[2], reply[3], reply[4])
    const values = reply.slice(5).map((v) => (v ? own(v) : undefined))
    return { meta, values }
  }

  async commit(id: string, batch: CommitBatch): Promise<boolean> {
    this.#open()
    const key = this.key(id)
    const args = batchArgs(batch, this.#ix(key))
    const done = await this.#run('commit', () => this.#scripts.simplesessionsCommit3(key, ...args))
    if (Array.isArray(done)) await this.#follow(key, done)
    return done !== 0
  }

  /**
   * On a single node, one script over both keys (LUA_REGENERATE). On a Cluster the two
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
    const args = batchArgs(batch, this.#ix(newKey, oldKey))
    if (oldKey === newKey) return (await this.load(oldId)) ? 'taken' : 'gone'
    if (!this.#cluster) {
      const r = await this.#run('regenerate', () => this.#scripts.simplesessionsRegenerate3(oldKey, newKey, ...args))
      return r === 1 ? 'ok' : r === 2 ? 'taken' : 'gone'
    }
    // A taken new ID needs a broken ID generator; checking first keeps the session in place then.
    if ((await this.#run('regenerate', () => this.#client.exists(newKey))) === 1) return 'taken'
    const reply = await this.#run('regenerate', () => this.#scripts.simplesessionsTake1Buffer(oldKey))
    if (!isHashReply(reply)) throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to regenerate')
    if (reply.length === 0) return 'gone'
    const { meta, fields: taken } = parseHash(reply)
    if (meta === undefined) throw new SessionError('STORE_UNAVAILABLE', 'malformed session in Redis (something else writes to the session keys?)')
    const createdAt = String(meta.createdAt)
    const { set, delete: deletes, clear } = batch
    const fields = clear ? new Map<string, Buffer>() : new Map(taken)
    if (deletes !== undefined) for (const name of deletes) fields.delete(name)
    if (set !== undefined) for (const [name, value] of set) fields.set(name, valueArg(name, value))
    const owner = batch.owner === undefined ? meta.owner : (batch.owner ?? undefined)
    const next = { owner: owner ?? '', handle: meta.handle ?? batch.handle ?? '', persist: persistArg(batch.persist ?? meta.persist) }
    const made = await this.#run('regenerate', () => this.#scripts.simplesessionsCreate3(newKey, ...createArgs(createdAt, timeArg(batch.expiresAt), next, this.#ix(newKey), fields)))
    if (made !== 0) {
      // Index after the session exists, so the set never points at a key that might yet appear.
      await this.#reindex(meta.owner, oldKey, newKey, Array.isArray(made) ? made : undefined)
      return 'ok'
    }
    // Taken between the check and the create: put the session back as it was.
    const was = { owner: meta.owner ?? '', handle: meta.handle ?? '', persist: persistArg(meta.persist) }
    const back = await this.#run('regenerate', () => this.#scripts.simplesessionsCreate3(oldKey, ...createArgs(createdAt, timeArg(meta.expiresAt), was, this.#ix(oldKey), taken)))
    if (Array.isArray(back)) await this.#indexAdd(oldKey, back)
    return 'taken'
  }

  async touch(id: string, expiresAt: number): Promise<boolean> {
    this.#open()
    const key = this.key(id)
    checkTime('expiresAt', expiresAt, true)
    const done = await this.#run('touch', () => this.#scripts.simplesessionsTouch2(key, timeArg(expiresAt), this.#base, key))
    if (Array.isArray(done)) await this.#follow(key, done)
    return done !== 0
  }

  async destroy(id: string): Promise<void> {
    this.#open()
    const key = this.key(id)
    await this.#run('destroy', () => this.#client.unlink(key))
  }

  /**
   * The owner's live sessions (docs/decisions/redis-store.md, "Owners"): one script on a single node,
   * a read of each member on a Cluster; at most maxSessionsPerOwner (+1 while a create is past
   * the cap). Dead members are removed on the way.
   */
  async listSessions(owner: string): Promise<OwnedSession[]> {
    this.#open()
    checkMeta(owner, undefined, undefined, false)
    const ix = this.#indexKey(owner)
    if (!this.#cluster) {
      const reply = await this.#run('listSessions', () => this.#scripts.simplesessionsList1Buffer(ix, this.#cp, owner))
      if (!Array.isArray(reply) || reply.length % 3 !== 0) throw new SessionError('STORE_UNAVAILABLE', 'unexpected reply from Redis to listSessions')
      const out: OwnedSession[] = []
      for (let i = 0; i < reply.length; i += 3) out.push({ handle: reply[i]!.toString('utf8'), createdAt: parseTime(reply[i + 1], false), expiresAt: parseTime(reply[i + 2], true) })
      return out
    }
    return (await this.#members(owner)).map(({ meta }) => ({ handle: meta.handle!, createdAt: meta.createdAt, expiresAt: meta.expiresAt }))
  }

  /**
   * Ends the owner's sessions that `filter` selects (UNLINK, as destroy): one script on a single
   * node; on a Cluster, a read of each member, then an UNLINK of each one chosen.
   */
  async destroySessions(owner: string, filter: DestroyFilter = {}): Promise<number> {
    this.#open()
    checkMeta(owner, undefined, undefined, false)
    const only = filter.only
    if (!this.#cluster) {
      const listed = only !== undefined ? '1' :
        // Stryker disable next-line StringLiteral: equivalent, the script tests this entry only for '1'
        '0'
      const args = [this.#cp, owner, filter.except ?? '', listed]
      if (only !== undefined) args.push(...only)
      const ix = this.#indexKey(owner)
      return Number(await this.#run('destroySessions', () => this.#scripts.simplesessionsDestroyOwned1(ix, ...args)))
    }
    const chosen = (await this.#members(owner)).filter(({ meta }) => meta.handle !== filter.except && (only === undefined || only.includes(meta.handle!)))
    await Promise.all(chosen.map(({ key }) => this.#run('destroySessions', () => this.#client.unlink(key))))
    if (chosen.length > 0) await this.#run('destroySessions', () => this.#client.srem(this.#indexKey(owner), ...chosen.map(({ key }) => key)))
    return chosen.length
  }

  /** Cluster: the live, owned, listable members of an owner's set; dead ones are removed from it. */
  async #members(owner: string): Promise<{ key: string; meta: SessionMeta }[]> {
    const ix = this.#indexKey(owner)
    const members = await this.#run('listSessions', () => this.#client.smembers(ix))
    const read = await Promise.all(members.map((key) => this.#run('listSessions', () => this.#client.hmgetBuffer(key, CREATED, EXPIRES, OWNER, HANDLE, PERSIST))))
    const live: { key: string; meta: SessionMeta }[] = []
    const dead: string[] = []
    read.forEach((v, i) => {
      const key = members[i]!
      if (!v[0] || v[2]?.toString('utf8') !== owner) return void dead.push(key)
      const meta = metaOf(v[0], v[1], v[2], v[3], v[4])
      if (meta.handle !== undefined) live.push({ key, meta })
    })
    if (dead.length > 0) await this.#run('listSessions', () => this.#client.srem(ix, ...dead))
    return live
  }

  /** Cluster: what a commit or touch of session `key` replied the index must follow (WriteReply). */
  async #follow(key: string, reply: Follow): Promise<void> {
    const [owner, lifetime, was, joined] = reply
    if (owner !== was) return this.#reindex(was || undefined, key, key, owner ? reply : undefined)
    const known = this.#covered.get(key)
    // The session ends by now + lifetime (measured before its reply arrived), on either clock.
    const end = (now: number): number => (lifetime === -1 ? Infinity : now + lifetime)
    if (known !== undefined && known.owner === owner && known.joined === joined && known.until >= end(performance.now()) && known.wall >= end(Date.now())) return
    await this.#ownerSet(key, reply, false)
  }

  /** Cluster: moves session `key` (formerly `oldKey`) from the set of `before` to that of its owner in `now` (none: undefined). */
  async #reindex(before: string | undefined, oldKey: string, key: string, now: Follow | undefined): Promise<void> {
    if (before === now?.[0] && oldKey === key) return
    if (now !== undefined) await this.#indexAdd(key, now)
    if (before !== undefined) await this.#run('index', () => this.#client.srem(this.#indexKey(before), oldKey))
  }

  /**
   * Cluster: the owner set's side of a write of session `key` (LUA_OWNER): adds `key` when it
   * joins, and makes the set last the session's lifetime, giving it twice that when it must change,
   * so that the moves of the next lifetime need no write; a set that lost the live session (it
   * was removed, or made anew) gets it back. Remembers what it learnt (see #covered). The set's
   * size after (0 when not joining) and its PTTL (-1: no expiry).
   */
  async #ownerSet(key: string, [owner, lifetime, , joined]: Follow, join: boolean): Promise<[size: number, left: number]> {
    const sent = performance.now()
    const wall = Date.now()
    const give = lifetime === -1 ? -1 : 2 * lifetime
    const reply = await this.#run('index', () => this.#scripts.simplesessionsOwner1(this.#indexKey(owner), String(lifetime), String(give), key, join ? '1' : ''))
    const left = reply[1]
    this.#covered.delete(key)
    // The set lasts `left` ms from some moment after `sent`: sent + left errs on the short side,
    // on each clock. A set without expiry is not remembered: a later login may fit it to its
    // members (#fit), which a memory of "for ever" would not see (and a session without expiry
    // has no moves to skip: its expiry stays 'inf').
    if (left >= 0) {
      if (this.#covered.size >= COVERED_MAX) this.#covered.delete(this.#covered.keys().next().value!)
      this.#covered.set(key, { owner, joined, until: sent + left, wall: wall + left })
    }
    return reply
  }

  /**
   * Cluster: adds session `key` to the set of the owner in `follow` (after the session was
   * written), then applies the cap as the scripts do. If the index cannot be written, the session
   * is removed again and the call fails: never a live session that the index does not know.
   */
  async #indexAdd(key: string, follow: Follow): Promise<void> {
    const [owner, lifetime] = follow
    const ix = this.#indexKey(owner)
    let size: number, left: number
    try {
      ;[size, left] = await this.#ownerSet(key, follow, true)
    } catch (err) {
      // Stryker disable next-line StringLiteral: equivalent, this failure is dropped: its message is never seen
      await this.#run('index', () => this.#client.unlink(key)).catch(() => undefined)
      throw err
    }
    // Best effort: the session is written and indexed; a set left without expiry is what stores
    // before this rule made, and the owner's next login tries again. Never a failed login for it.
    if (left === -1 && lifetime !== -1) await this.#fit(owner).catch(() => undefined)
    if (size <= this.maxSessionsPerOwner) return
    const live = (await this.#members(owner)).filter((m) => m.key !== key)
    if (live.length + 1 <= this.maxSessionsPerOwner) return
    // The one that expires soonest (of several at once, any: SMEMBERS has no order).
    const soonest = Math.min(...live.map((m) => m.meta.expiresAt))
    const victim = live.find((m) => m.meta.expiresAt === soonest)!
    await this.#run('index', () => this.#client.unlink(victim.key))
    await this.#run('index', () => this.#client.srem(ix, victim.key))
  }

  /**
   * Cluster: a set without expiry that a session with one joined (written before sets had one, or
   * kept by a member without expiry that has since ended) takes twice its longest member's
   * lifetime, read as each member's PTTL (the single node's scripts fit it to the longest; twice,
   * as a raise gives, covers a member that moves between the read and the write). A member without
   * expiry keeps it persistent (and then this runs at each such login, as the single node's loop
   * does). LUA_FIT writes it only while the set still has no expiry and holds no member that was
   * not read. A member read and then moved past that lifetime (or to none) before the write saw a
   * persistent set, so its own cover did nothing: the members are read again after a fitting,
   * and the set is covered for the longest (or made persistent) if one outlives it.
   */
  async #fit(owner: string): Promise<void> {
    const ix = this.#indexKey(owner)
    const members = await this.#run('index', () => this.#client.smembers(ix))
    const lifetimesOf = () => Promise.all(members.map((m) => this.#run('index', () => this.#client.pttl(m))))
    const lifetimes = await lifetimesOf()
    if (lifetimes.includes(-1)) return
    const longest = Math.max(0, ...lifetimes)
    if (longest <= 0) return
    const given = 2 * longest
    if ((await this.#run('index', () => this.#scripts.simplesessionsFit1(ix, String(given), ...members))) !== 1) return
    const after = await lifetimesOf()
    const open = after.indexOf(-1)
    const top = open !== -1 ? open : after.indexOf(Math.max(...after))
    const need = after[top]!
    // The set's own lifetime is at most `given` now: a member that ends later must raise it.
    if (need === -1 || need > longest) await this.#run('index', () => this.#scripts.simplesessionsOwner1(ix, String(need), String(need === -1 ? -1 : 2 * need), members[top]!, ''))
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
    if (c.status === 'ready') {
      try {
        await c.quit()
        return
      } catch {
        // fall through to an abrupt disconnect
      }
    }
    // (For a client that has ended already, this does nothing.)
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
      // Undefined once the client has been ready: a client that reconnects later is the client's
      // to handle (it queues the call or fails it).
      const first = this.#firstReady
      const starting = first !== undefined &&
        // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, #firstReady is cleared by the 'ready' event, a tick after the status turns 'ready', and waiting for it defers the send by that tick
        c.status !== 'ready'
      if (starting && this.#readyWait) {
        // A client still making its first connection: wait for it, within the bound, and send
        // nothing once the caller has been told it failed. A lazyConnect client is connected
        // here, as its first command would connect it.
        if (c.status === 'wait') c.connect().catch(() => {})
        sent = first.then(() => {
          // Stryker disable next-line StringLiteral: equivalent, the caller was told by the timer already: this rejection reaches no one
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
        // (Where setTimeout returns a number, there is no unref.)
        ;(timer as { unref?: () => void }).unref?.()
      })
      return await Promise.race([sent, deadline])
    } catch (err) {
      // The commands above reject only with the client's errors and the plain Errors here, never a
      // SessionError.
      redact(err)
      const msg = err instanceof Error ? err.message : String(err)
      throw new SessionError('STORE_UNAVAILABLE', `Redis ${op} failed: ${msg}`, { cause: err })
    } finally {
      clearTimeout(timer)
    }
  }
}
