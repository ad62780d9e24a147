// Memory rows: heap held per session by our MemoryStore, against express-session's MemoryStore
// holding the same 8-field session.
//
// Ours: N sessions made the way a request makes them (Manager.acquire, setMulti of the fields,
// which encodes each with encodeValue, commit, which creates the record in the store). Theirs:
// what express-session does per new session (a uid-safe ID, a Cookie made from the cookie
// options, the fields next to it, store.set(sid, session), which keeps JSON.stringify of it
// under the ID). lastSeen is a number there: JSON has no bigint.
//
// Each phase builds its store after the fixed costs are paid (manager, signer, codec arena,
// store object: made and warmed up before the baseline) and measures the heap delta across it:
// global.gc() twice, then process.memoryUsage() heapUsed + arrayBuffers, before and after, over N.
// Phases alternate (ours, theirs, ours, …) in this one process and drop everything in between.

import { randomBytes } from 'node:crypto'
import expressSession from 'express-session'
import uidSafe from 'uid-safe'
import { isDeepStrictEqual } from 'node:util'
import { Manager } from '../src/manager'
import { MemoryStore } from '../src/stores/memory'
import { decodeValue, encodeFields } from '../src/codec'
import { generateId } from '../src/id'
import { assert, table, type SectionResult } from './harness'
import { resultRow, summaryCells } from './results'
import { session as sample } from './codec.bench'

const TARGET = 0.5
const COOKIE_MAX_AGE_MS = 86_400_000

const gc = (globalThis as { gc?: () => void }).gc

/** Live heap bytes: after pending callbacks ran (setImmediate), two full collections. */
async function heap(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve))
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2
}

/** The 8-field session with its own 32-char base64url csrf token. */
function fields() {
  return { ...sample, csrf: randomBytes(24).toString('base64url') }
}

interface OursPhase {
  perSession: number
  counted: number
}

async function ours(secret: string, n: number): Promise<OursPhase> {
  const req = {}
  const res = {}
  // The manager and its signer, the codec, and the store object itself are fixed costs: made and
  // warmed up (on a throwaway store) before the baseline.
  const warm = new MemoryStore({ sweepInterval: 0 })
  const manager = new Manager({ store: warm, secrets: [secret], getCookie: () => undefined, setCookie: () => {} })
  const make = async () => {
    const s = await manager.acquire(req, res)
    await s.setMulti(fields())
    await s.commit()
    return s.id
  }
  for (let i = 0; i < 200; i++) await make()
  const store = new MemoryStore({ sweepInterval: 0, maxSessions: Infinity, maxBytes: Infinity })
  manager.useStore(store)
  warm.close()
  let id = ''

  const before = await heap()
  for (let i = 0; i < n; i++) id = await make()
  const after = await heap()

  assert(store.size === n, `our store holds ${store.size} sessions, expected ${n}`)
  const rec = await store.load(id)
  assert(rec !== null && rec.fields.size === 8, 'our last session loads with 8 fields')
  const back = Object.fromEntries([...rec.fields].map(([k, b]) => [k, decodeValue(b)]))
  assert(isDeepStrictEqual({ ...back, csrf: sample.csrf }, sample) && typeof back.csrf === 'string' && back.csrf.length === 32, 'our session round-trips')
  const out = { perSession: (after - before) / n, counted: store.bytes / store.size }
  store.close()
  await manager.close()
  return out
}

interface TheirsPhase {
  perSession: number
  json: number
}

async function theirs(n: number): Promise<TheirsPhase> {
  const { MemoryStore: ExpressMemoryStore, Cookie } = expressSession
  const set = (store: InstanceType<typeof ExpressMemoryStore>) => {
    // express-session's generate(): an ID from uid-safe and a Cookie from the options. The
    // fields go on a plain object next to the cookie, not on a Session: a Session's `id` is a
    // read-only property (the sid), so express-session cannot store a field named id at all.
    // store.set keeps JSON.stringify of it either way.
    const sid = uidSafe.sync(24)
    const sess = { cookie: new Cookie({ maxAge: COOKIE_MAX_AGE_MS }), ...fields(), lastSeen: Number(sample.lastSeen) }
    store.set(sid, sess)
    return sid
  }
  const warm = new ExpressMemoryStore()
  for (let i = 0; i < 200; i++) set(warm)
  const store = new ExpressMemoryStore()
  let sid = ''

  const before = await heap()
  for (let i = 0; i < n; i++) sid = set(store)
  const after = await heap()

  const count = await new Promise<number>((resolve, reject) => store.length((err, len) => (err ? reject(err) : resolve(len ?? 0))))
  assert(count === n, `express-session's store holds ${count} sessions, expected ${n}`)
  const stored = store.sessions[sid]
  assert(typeof stored === 'string', 'express-session keeps a JSON string')
  const parsed = JSON.parse(stored) as Record<string, unknown> & { cookie: Record<string, unknown> }
  assert(
    Object.keys(parsed.cookie).join() === 'originalMaxAge,expires,httpOnly,path' && parsed.cookie.originalMaxAge === COOKIE_MAX_AGE_MS,
    `express-session cookie ${JSON.stringify(parsed.cookie)}`,
  )
  const { cookie: _cookie, ...rest } = parsed
  assert(isDeepStrictEqual({ ...rest, csrf: sample.csrf }, { ...sample, lastSeen: Number(sample.lastSeen) }), `express-session data ${stored}`)
  return { perSession: (after - before) / n, json: stored.length }
}

/**
 * Context, not a store: the leanest layout of the same data we know of in the JS heap, a
 * Map<id, one-byte string of encodeFields(fields + expiry)>: one Map slot, the ID and one string.
 */
async function floor(n: number): Promise<number> {
  const now = Date.now()
  const blob = () => String.fromCharCode.apply(null, encodeFields({ ...fields(), e: now + COOKIE_MAX_AGE_MS }) as unknown as number[])
  blob()
  const map = new Map<string, string>()
  const before = await heap()
  for (let i = 0; i < n; i++) map.set(generateId(), blob())
  const after = await heap()
  assert(map.size === n, 'floor map size')
  return (after - before) / n
}

/**
 * ns per store.create of a 1-field session, in a store below its cap and in one held at
 * maxSessions 10^4 where every create evicts the least recently used session: eviction must not
 * make a flood of new sessions (a client that drops its cookie on every request) slow.
 */
async function createRate(n: number, cap: number): Promise<number> {
  const store = new MemoryStore({ sweepInterval: 0, maxSessions: cap, maxBytes: Infinity })
  const now = Date.now()
  const meta = { createdAt: now, expiresAt: now + COOKIE_MAX_AGE_MS }
  const fields = new Map([['user', Uint8Array.of(1, 2, 3, 4)]])
  const ids = Array.from({ length: n }, (_, i) => `flood-${String(i).padStart(7, '0')}`)
  const t0 = performance.now()
  for (const id of ids) await store.create(id, meta, fields)
  const ns = ((performance.now() - t0) * 1e6) / n
  assert(store.size === Math.min(n, cap), `the flood store holds ${store.size}, expected ${Math.min(n, cap)}`)
  store.close()
  return ns
}

export async function measureMemory(secret: string, n: number, rounds: number): Promise<SectionResult> {
  assert(gc !== undefined, 'the memory rows need --expose-gc')
  const started = performance.now()
  const o: OursPhase[] = []
  const t: TheirsPhase[] = []
  const f: number[] = []
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      o.push(await ours(secret, n))
      t.push(await theirs(n))
    } else {
      t.push(await theirs(n))
      o.push(await ours(secret, n))
    }
    f.push(await floor(n))
  }
  const flood = Math.max(n * 10, 100_000)
  const below: number[] = []
  const atCap: number[] = []
  for (let r = 0; r < rounds; r++) {
    below.push(await createRate(flood, Infinity))
    atCap.push(await createRate(flood, 10_000))
  }
  const row = resultRow({
    section: 'memory',
    measure: `memory store, 8-field session, N=${n} (heap delta / N)`,
    unit: 'bytes/session',
    ours: median(o.map((x) => x.perSession)),
    theirs: median(t.map((x) => x.perSession)),
    theirsName: 'express-session MemoryStore',
    ratioOf: 'ours/theirs',
    better: 'lower',
    target: { op: '<=', value: TARGET, of: 'ratio' },
  })
  const theirsB = row.theirs
  const b = (x: number) => x.toFixed(0)
  const result = table(
    ['measure', 'ours (median bytes/session)', 'theirs (median bytes/session)', 'ratio (ours/theirs)', 'target', 'met?'],
    [summaryCells(row)],
  )
  const detail = table(
    ['side', ...o.map((_x, i) => `round ${i + 1} bytes/session`), 'own accounting'],
    [
      ['ours: MemoryStore via Manager', ...o.map((x) => b(x.perSession)), `store.bytes / store.size = ${b(median(o.map((x) => x.counted)))}`],
      ["express-session's MemoryStore", ...t.map((x) => b(x.perSession)), `one JSON string of ${t[0]?.json ?? '?'} chars + its sid key`],
      [
        'context: Map<id, encodeFields blob as one string>',
        ...f.map(b),
        `not a store: the leanest in-heap layout tried (${(median(f) / theirsB).toFixed(2)}x theirs)`,
      ],
    ],
  )
  const evict = table(
    ['measure', 'median ns/create', 'rounds (ns/create)'],
    [
      [`MemoryStore.create, ${flood} sessions, no cap`, median(below).toFixed(0), below.map((x) => x.toFixed(0)).join(' / ')],
      [`MemoryStore.create, ${flood} sessions, maxSessions 10^4 (each create evicts)`, median(atCap).toFixed(0), atCap.map((x) => x.toFixed(0)).join(' / ')],
      ['ratio (at the cap / no cap)', `${(median(atCap) / median(below)).toFixed(2)}x`, ''],
    ],
  )
  const markdown = [
    `## Memory: bytes per stored session (${rounds} alternating rounds, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    '',
    result,
    '',
    detail,
    '',
    'heap delta = process.memoryUsage() heapUsed + arrayBuffers after global.gc(), before and after making N sessions; ' +
      'fixed costs (manager, signer, codec arena, empty store) are paid before the baseline.',
    '',
    evict,
  ].join('\n')
  return { markdown, rows: [row] }
}
