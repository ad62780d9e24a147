// Redis HTTP rows: requests per second and server CPU per request of a node:http server whose
// handler reads one session value and writes one, with sessions in Redis: ours (Manager +
// RedisStore on ioredis with recommendedClientOptions) against express-session + connect-redis on
// node-redis (its supported client; its middleware called directly on plain node:http), and the
// same server without sessions (no Redis at all) as the baseline, so Redis's share of the cost is
// visible. Target (issue 12, "Targets"): ours >= 1.6x theirs in req/s.
//
// The harness of the HTTP rows (bench/http.bench.ts, bench/child-server.ts): the three servers are
// child processes (bench/redis-server-child.ts, bundled), driven in turn by autocannon from this
// process, 8 connections (BENCH_HTTP_CONNECTIONS), pipelining 1, each connection with a session of
// its own: before timing, each session side makes one session per connection (a request without a
// cookie), and every request of that connection sends its cookie (autocannon's per-connection
// setup). The baseline gets ours' cookies, ignored, so it parses the same kind of bytes. Rounds
// rotate the order of the sides (and reverse it every other round); each run is a 1 s warm-up, then
// the measured run; the rows are medians over rounds.
//
// Pinning: where taskset is on PATH and this process may run on two CPUs, the servers start on the
// first CPU and this process (the load generator) moves itself to the second for the section, as in
// the HTTP rows. redis-server has to run somewhere: it is pinned to the load generator's CPU, so the
// server under test has its core to itself and its CPU per request (what the issue compares) is not
// shared with Redis; the load generator's core then carries autocannon and redis-server together,
// and the tables show how busy it was (near 100%, that core bounds req/s for both sides alike).
// What Redis costs each side is its own column: redis-server CPU per request. Unpinned, the section
// says so and all three processes share the machine's cores.
//
// One redis-server for the whole section, started by test/redis/process.ts (the suites' helper) on
// a free loopback port with no persistence (--save '' --appendonly no) and stopped at the end,
// readiness a PING answered, never a sleep.
//
// Before timing, self-checks: on each side every session is made by a request without a cookie
// and found by the next two (its counter at 1, 2, 3), no write to an existing session re-sends the
// cookie, and the sessions' cookies are distinct; Redis holds exactly one key per session (one per
// connection and side), each expiring, ours' with a field n, theirs' with n = 3. Round trips per
// request are counted with MONITOR over a few sequential requests on one session per side
// (top-level commands only: those a script runs show up as source "lua"); Redis commands per
// request, script-internal ones included, and redis-server CPU and socket reads/writes per request
// come from INFO commandstats / cpu / stats deltas around each measured run. After timing: Redis
// still holds the same keys and no other (a request that missed its session would have made one),
// and the counters account for every request: each session's moved by some, together by exactly
// the requests the server handled (one connection a session, pipelining 1: no two requests race on
// a session); theirs' keys hold the counters the last requests answered.
//
//   BENCH_REDIS_ROUNDS=3 (0 skips)  BENCH_REDIS_SECONDS=4  BENCH_REDIS_WARMUP=1
//   (also BENCH_HTTP_CONNECTIONS and BENCH_HTTP_NODE_ARGS, shared with the HTTP rows)
//   For experiments: BENCH_REDIS_IOREDIS_OPTIONS (JSON ioredis options for ours, over
//   recommendedClientOptions), BENCH_REDIS_STORE_OPTIONS='{"timeout":0}' (JSON RedisStore
//   options); the section then says so above its tables. Auto-pipelining needs
//   '{"enableAutoPipelining":true,"autoPipeliningIgnoredCommands":["HGETALL"]}': with
//   enableAutoPipelining alone, ioredis 5 drops the command name of callBuffer (the store's load,
//   a plain HGETALL) and sends the key as the command, so the first load fails and so does the
//   self-check (https://github.com/redis/ioredis/issues/1923); ignoring HGETALL leaves the load
//   unpipelined and pipelines the commit's EVALSHA.

import { cpus } from 'node:os'
import { Redis } from 'ioredis'
import { redisServerPath, startRedis, type RedisServer } from '../test/redis/process'
import { affinityOf, cookiePair, get, load, median, pinProcess, pinSection, serverStats, startServer, stopServer, type ChildBenchOptions, type Response, type SectionPinning, type Server } from './child-server'
import { assert, table, type SectionResult } from './harness'
import { fmtValue, resultRow, summaryCells } from './results'

export type RedisHttpOptions = ChildBenchOptions

type Side = 'ours' | 'theirs' | 'plain'
const MODE: Record<Side, string> = { ours: 'ours-redis', theirs: 'express-session-redis', plain: 'plain' }
const SIDES: readonly Side[] = ['ours', 'theirs', 'plain']

const TARGET = 1.6
/** Round trips per request ours may take: the load and the commit. */
const MAX_ROUND_TRIPS = 2
/** Sequential requests per side watched with MONITOR. */
const MONITOR_REQUESTS = 20

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Server children (bench/child-server.ts)

function startSide(side: Side, redisPort: number, opts: RedisHttpOptions, pin: SectionPinning): Promise<Server> {
  return startServer(opts.serverScript, MODE[side], opts.nodeArgs, { BENCH_SECRET: opts.secret, BENCH_REDIS_PORT: String(redisPort) }, pin.server)
}

const bodyOf = (n: number) => `n=${String(n).padStart(12, '0')}\n`
const counterOf = (r: Response): number => Number(r.body.slice(2))

// ---------------------------------------------------------------------------------------------
// Redis-side measurements

interface CmdStat {
  calls: number
  /** µs Redis spent executing the command (a script's includes the commands it ran). */
  usec: number
}

/** INFO commandstats as command -> calls and µs, and INFO cpu as total µs. */
async function redisCounters(admin: Redis): Promise<{ calls: Map<string, CmdStat>; cpuUs: number; reads: number; writes: number }> {
  const info = await admin.info('commandstats')
  const cpu = await admin.info('cpu')
  const stats = await admin.info('stats')
  const calls = new Map<string, CmdStat>()
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) calls.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) })
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? NaN)
  const stat = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(stats)?.[1] ?? NaN)
  // Socket reads and writes of redis-server (each read may bring several commands: a client that
  // batches the commands of concurrent requests into one write makes fewer).
  return { calls, cpuUs: (num('used_cpu_user') + num('used_cpu_sys')) * 1e6, reads: stat('total_reads_processed'), writes: stat('total_writes_processed') }
}

function callsDelta(before: Map<string, CmdStat>, after: Map<string, CmdStat>): Map<string, CmdStat> {
  const d = new Map<string, CmdStat>()
  for (const [cmd, n] of after) {
    if (cmd === 'info') continue // the bench's own INFO around the run
    const b = before.get(cmd)
    const v = { calls: n.calls - (b?.calls ?? 0), usec: n.usec - (b?.usec ?? 0) }
    if (v.calls > 0) d.set(cmd, v)
  }
  return d
}

interface Watched {
  /** Top-level commands per request (the client's round trips, with pipelining 1). */
  perRequest: number
  /** e.g. "EVALSHA×2" */
  topLevel: string
  /** Commands run inside scripts, per request, e.g. "HGETALL, HGET, HSET×2, PEXPIREAT". */
  inScripts: string
  /** The top-level command names (lower case). */
  names: Set<string>
}

const summarize = (names: string[], per: number): string => {
  const counts = new Map<string, number>()
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1)
  return [...counts].map(([n, c]) => (c / per === 1 ? n.toUpperCase() : `${n.toUpperCase()}×${+(c / per).toFixed(2)}`)).join(', ') || '—'
}

/** MONITOR over `n` sequential requests to one server. */
async function watchRoundTrips(admin: Redis, port: number, cookie: string | undefined, n: number): Promise<Watched> {
  const monitor = await admin.monitor()
  try {
    const seen: { cmd: string; source: string }[] = []
    let started = false
    let finished = false
    const marker = `bench-marker-${Math.random().toString(36).slice(2)}`
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const cmd = String(args[0] ?? '').toLowerCase()
      if (cmd === 'echo' && args[1] === `${marker}-start`) started = true
      else if (cmd === 'echo' && args[1] === `${marker}-end`) finished = true
      else if (started && !finished) seen.push({ cmd, source })
    })
    await admin.echo(`${marker}-start`)
    for (let i = 0; i < n; i++) {
      const r = await get(port, '/', cookie)
      assert(r.status === 200, `MONITOR request ${i}: ${r.status}`)
    }
    await admin.echo(`${marker}-end`)
    const deadline = Date.now() + 5000
    while (!finished) {
      assert(Date.now() < deadline, 'MONITOR never showed the end marker')
      await sleep(5)
    }
    const top = seen.filter((s) => s.source !== 'lua').map((s) => s.cmd)
    const inner = seen.filter((s) => s.source === 'lua').map((s) => s.cmd)
    return { perRequest: top.length / n, topLevel: summarize(top, n), inScripts: summarize(inner, n), names: new Set(top) }
  } finally {
    monitor.disconnect()
  }
}

// ---------------------------------------------------------------------------------------------
// The section

interface Run {
  rps: number
  p50: number
  p99: number
  /** Server child CPU per request, µs. */
  cpuUs: number
  /** This process (autocannon) CPU per request, µs. */
  clientUs: number
  /** redis-server CPU per request, µs. */
  redisUs: number
  /** redis-server socket reads and writes per request (INFO stats; the bench's 6 INFO calls are not subtracted). */
  reads: number
  writes: number
  /** Redis commands per request, script-internal ones included (INFO commandstats). */
  commands: number
  /** command -> calls and µs per request */
  byCommand: Map<string, CmdStat>
  requests: number
}

async function measureOne(s: Server, admin: Redis, opts: RedisHttpOptions, headers: Record<string, string>[]): Promise<Run> {
  if (opts.warmupSeconds > 0) await load(s.port, opts.warmupSeconds, opts.connections, headers)
  const before = await serverStats(s.port)
  const r0 = await redisCounters(admin)
  const latencies: number[] = []
  const c0 = process.cpuUsage()
  const r = await load(s.port, opts.seconds, opts.connections, headers, latencies)
  const c1 = process.cpuUsage(c0)
  const r1 = await redisCounters(admin)
  const after = await serverStats(s.port)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN
  const requests = after.requests - before.requests
  const delta = callsDelta(r0.calls, r1.calls)
  const byCommand = new Map([...delta].map(([c, n]) => [c, { calls: n.calls / requests, usec: n.usec / requests }]))
  return {
    rps: r['2xx'] / r.duration,
    p50: pct(50),
    p99: pct(99),
    cpuUs: (after.cpuUs - before.cpuUs) / requests,
    clientUs: (c1.user + c1.system) / r['2xx'],
    redisUs: (r1.cpuUs - r0.cpuUs) / requests,
    reads: (r1.reads - r0.reads) / requests,
    writes: (r1.writes - r0.writes) / requests,
    commands: [...delta.values()].reduce((a, b) => a + b.calls, 0) / requests,
    byCommand,
    requests,
  }
}

/**
 * One session per connection on a session side: each made by a request without a cookie (n = 1)
 * and found by the next two (n = 2, 3), with no Set-Cookie on those writes; their cookies distinct.
 */
async function sessions(side: 'ours' | 'theirs', port: number, connections: number): Promise<string[]> {
  const cookies: string[] = []
  for (let i = 0; i < connections; i++) {
    const first = await get(port, '/')
    assert(first.status === 200 && first.body === bodyOf(1), `${side}: first response ${first.status} ${first.body}`)
    const cookie = cookiePair(first)
    const second = await get(port, '/', cookie)
    assert(second.status === 200 && second.body === bodyOf(2), `${side}: the second request did not find the session: ${second.body}`)
    const third = await get(port, '/', cookie)
    assert(third.body === bodyOf(3), `${side}: the third request did not find the session: ${third.body}`)
    // Neither side re-sends its cookie on a write to an existing session (see the child).
    assert(third.headers['set-cookie'] === undefined, `${side}: a write to an existing session sent Set-Cookie ${String(third.headers['set-cookie'])}`)
    cookies.push(cookie)
  }
  assert(new Set(cookies).size === connections, `${side}: ${connections} sessions but ${new Set(cookies).size} distinct cookies`)
  return cookies
}

/** connect-redis's key of an express-session cookie: `connect.sid=s%3A<id>.<signature>` -> `sess:<id>`. */
function theirsKey(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))
  return `sess:${value.slice(2, value.lastIndexOf('.'))}`
}

/** The section's markdown and rows, or a SKIPPED line and no rows when there is no redis-server. */
export async function measureRedisHttp(opts: RedisHttpOptions): Promise<SectionResult> {
  const bin = redisServerPath()
  if (!bin) {
    const why = 'redis-server is not on PATH (apt-get install redis-server)'
    return { markdown: `########## Redis HTTP rows SKIPPED: ${why} ##########`, rows: [], skipped: `Redis HTTP rows: ${why}` }
  }
  const started = performance.now()
  let redis: RedisServer
  try {
    // Any option gives a server of its own, even where REDIS_URL names one: the checks below count
    // the keys of the whole database, and the CPU and command counters are the server's.
    redis = await startRedis({ appendonly: false })
  } catch (e) {
    // Like a failing codec self-check in main.ts: say so loudly, run the rest, exit non-zero.
    process.exitCode = 1
    const why = e instanceof Error ? e.message : String(e)
    return { markdown: `########## Redis HTTP rows FAILED: could not start ${bin}: ${why} ##########`, rows: [], skipped: `Redis HTTP rows: could not start redis-server: ${why}` }
  }
  const servers = new Map<Side, Server>()
  let admin: Redis | undefined
  const pin = pinSection('Redis HTTP rows')
  try {
    let where = `${pin.where}, redis-server unpinned`
    if (pin.load !== undefined && redis.pid !== undefined) {
      pinProcess(pin.load, redis.pid)
      const on = affinityOf(pin.load.taskset, redis.pid)
      assert(on === String(pin.load.cpu), `redis-server runs on CPU ${on}, not the load generator's ${pin.load.cpu}`)
      where = `${pin.where}, redis-server to CPU ${pin.load.cpu} too`
    }
    admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 })
    admin.on('error', () => {})
    for (const side of SIDES) servers.set(side, await startSide(side, redis.port, opts, pin))
    const srv = (side: Side) => servers.get(side)!
    const n = opts.connections

    // Self-checks: each side makes one session per connection, then finds each again.
    const cookies = { ours: await sessions('ours', srv('ours').port, n), theirs: await sessions('theirs', srv('theirs').port, n) }
    assert(cookies.ours.every((c) => c.startsWith('session=1.')), `ours: session cookie ${cookies.ours[0]}`)
    assert(cookies.theirs.every((c) => c.startsWith('connect.sid=s%3A')), `theirs: session cookie ${cookies.theirs[0]}`)
    const p = await get(srv('plain').port, '/')
    assert(p.status === 200 && p.body === bodyOf(1) && p.headers['set-cookie'] === undefined, `plain response ${p.status} ${p.body}`)
    /** Each session's counter as Redis holds it now. */
    const last = { ours: cookies.ours.map(() => 3), theirs: cookies.theirs.map(() => 3) }

    // The sessions really are in Redis: one key per session, holding the counter, expiring.
    const oursKeys = (await admin.keys('session:*')).sort()
    const theirsKeys = cookies.theirs.map(theirsKey)
    assert(oursKeys.length === n && (await admin.keys('sess:*')).sort().join() === [...theirsKeys].sort().join() && (await admin.dbsize()) === 2 * n, `keys in Redis: ${JSON.stringify(await admin.keys('*'))}`)
    const theirsN = async (key: string) => (JSON.parse((await admin!.get(key)) ?? 'null') as { n?: unknown } | null)?.n
    for (const key of oursKeys) {
      const h = await admin.hgetallBuffer(key)
      assert(h.n !== undefined && h.n.length > 0, `ours: no field n in ${key}`)
      assert((await admin.pttl(key)) > 0, `ours: ${key} does not expire`)
    }
    for (const key of theirsKeys) {
      assert((await theirsN(key)) === 3, `theirs: ${key} holds n=${String(await theirsN(key))}, expected 3`)
      assert((await admin.ttl(key)) > 0, `theirs: ${key} does not expire`)
    }

    // Round trips per request, each side alone, on its first session.
    const watched = new Map<Side, Watched>()
    for (const side of ['ours', 'theirs'] as const) {
      watched.set(side, await watchRoundTrips(admin, srv(side).port, cookies[side][0], MONITOR_REQUESTS))
      last[side][0] = 3 + MONITOR_REQUESTS
    }

    // Timing: rounds rotate the order of the three sides (and reverse it every other round).
    const headers = { ours: cookies.ours.map((cookie) => ({ cookie })), theirs: cookies.theirs.map((cookie) => ({ cookie })) }
    const headersOf = (side: Side) => (side === 'theirs' ? headers.theirs : headers.ours)
    const handledBefore = new Map<Side, number>()
    for (const side of SIDES) handledBefore.set(side, (await serverStats(srv(side).port)).requests)
    const runs: Record<Side, Run[]> = { ours: [], theirs: [], plain: [] }
    for (let round = 0; round < opts.rounds; round++) {
      const rotated = SIDES.map((_s, i) => SIDES[(i + round) % SIDES.length]!)
      const order = round % 2 === 1 ? rotated.reverse() : rotated
      for (const side of order) runs[side].push(await measureOne(srv(side), admin, opts, headersOf(side)))
    }

    // Every warm-up and measured request found its connection's session: one that did not would
    // have made a new one (a new key). One more request per session answers its counter + 1.
    assert((await admin.dbsize()) === 2 * n, `still one key per session: ${JSON.stringify(await admin.keys('*'))}`)
    assert((await admin.keys('session:*')).sort().join() === oursKeys.join(), 'ours: the same session keys')
    for (const side of ['ours', 'theirs'] as const) {
      const answers: number[] = []
      for (const cookie of cookies[side]) answers.push(counterOf(await get(srv(side).port, '/', cookie)))
      const moved = answers.map((a, i) => a - 1 - (last[side][i] ?? NaN))
      const total = moved.reduce((a, m) => a + m, 0)
      const handled = (await serverStats(srv(side).port)).requests - (handledBefore.get(side) ?? NaN) - n
      assert(total === handled && moved.every((m) => m > 0), `${side}: the sessions' counters moved by ${moved.join(', ')} (${total}), the server handled ${handled} requests`)
      if (side === 'theirs') {
        for (let i = 0; i < n; i++) {
          const held = await theirsN(theirsKeys[i]!)
          assert(held === answers[i], `theirs: ${theirsKeys[i]} holds n=${String(held)}, the last request answered ${answers[i]}`)
        }
      }
    }

    // Tables.
    const rps = (side: Side) => median(runs[side].map((r) => r.rps))
    const med = (side: Side, f: (r: Run) => number) => median(runs[side].map(f))
    const cpu = (side: Side) => med(side, (r) => r.cpuUs)
    const fmt = (x: number) => fmtValue(x, 'req/s')
    const theirsName = 'express-session + connect-redis + node-redis'
    const reqs = resultRow({
      section: 'redis',
      measure: `HTTP req/s, handler reads 1 + writes 1 session value in Redis; ${n} connections, a session each`,
      unit: 'req/s',
      ours: rps('ours'),
      theirs: rps('theirs'),
      theirsName,
      ratioOf: 'ours/theirs',
      better: 'higher',
      target: { op: '>=', value: TARGET, of: 'ratio' },
      serverCpuUs: { ours: cpu('ours'), theirs: cpu('theirs') },
    })
    const trips = resultRow({
      section: 'redis',
      measure: 'Redis round trips per request (MONITOR, top-level commands)',
      unit: 'round trips/request',
      ours: watched.get('ours')!.perRequest,
      theirs: watched.get('theirs')!.perRequest,
      theirsName,
      ratioOf: 'ours/theirs',
      better: 'lower',
      target: { op: '<=', value: MAX_ROUND_TRIPS, of: 'ours' },
    })
    const result = table(
      ['measure', 'ours (median req/s)', 'theirs (median req/s)', 'ratio (ours/theirs)', 'target', 'met?'],
      [
        summaryCells(reqs),
        [
          'baseline: same server, no sessions, no Redis',
          `${fmt(rps('plain'))} (ours at ${((100 * rps('ours')) / rps('plain')).toFixed(0)}% of it)`,
          `(theirs at ${((100 * rps('theirs')) / rps('plain')).toFixed(0)}% of it)`,
          '—',
          '—',
          '—',
        ],
        [
          'server CPU µs/request (median)',
          cpu('ours').toFixed(1),
          cpu('theirs').toFixed(1),
          `${(cpu('ours') / cpu('theirs')).toFixed(2)} (theirs / ours ${(cpu('theirs') / cpu('ours')).toFixed(2)}x)`,
          '—',
          '—',
        ],
        summaryCells(trips),
        [
          'Redis commands per request, incl. inside scripts (INFO commandstats)',
          med('ours', (r) => r.commands).toFixed(2),
          med('theirs', (r) => r.commands).toFixed(2),
          '—',
          '—',
          '—',
        ],
      ],
    )
    const name: Record<Side, string> = { ours: 'ours (Manager + RedisStore, ioredis)', theirs: 'express-session + connect-redis (node-redis)', plain: 'no sessions, no Redis' }
    // Busy: the share of one CPU used during the run (near 100%: that core bounds req/s).
    const busy = (side: Side, us: (r: Run) => number) => `${med(side, (r) => (us(r) * r.rps) / 1e4).toFixed(0)}%`
    const detail = table(
      [
        'side',
        ...runs.ours.map((_r, i) => `round ${i + 1} req/s`),
        'p50 (ms)',
        'p99 (ms)',
        'server CPU µs/req',
        'server busy',
        'redis-server CPU µs/req',
        'autocannon CPU µs/req',
        'load core busy (autocannon + redis-server)',
      ],
      SIDES.map((side) => [
        name[side],
        ...runs[side].map((r) => fmt(r.rps)),
        med(side, (r) => r.p50).toFixed(2),
        med(side, (r) => r.p99).toFixed(2),
        cpu(side).toFixed(1),
        busy(side, (r) => r.cpuUs),
        med(side, (r) => r.redisUs).toFixed(1),
        med(side, (r) => r.clientUs).toFixed(1),
        busy(side, (r) => r.clientUs + r.redisUs),
      ]),
    )
    const byCmd = (side: Side) => {
      const lastRun = runs[side].at(-1)
      return lastRun ? [...lastRun.byCommand].map(([c, k]) => `${c.toUpperCase()} ${k.calls.toFixed(2)} (${k.usec.toFixed(1)} µs)`).join(', ') || 'none' : '—'
    }
    /** µs per request Redis spent executing the side's top-level commands (scripts included). */
    const execUs = (side: 'ours' | 'theirs') => {
      const names = watched.get(side)!.names
      return med(side, (r) => [...r.byCommand].filter(([c]) => names.has(c)).reduce((a, [, k]) => a + k.usec, 0))
    }
    const cmds = table(
      [
        'side',
        `round trips/request (MONITOR, ${MONITOR_REQUESTS} requests)`,
        'top-level commands',
        'inside scripts',
        'Redis execution µs/req (commandstats, top-level)',
        'redis-server socket reads / writes per request (INFO stats)',
        'commandstats per request: calls (µs) (last run)',
      ],
      (['ours', 'theirs'] as const).map((side) => {
        const w = watched.get(side)!
        return [
          name[side],
          w.perRequest.toFixed(2),
          w.topLevel,
          w.inScripts,
          execUs(side).toFixed(1),
          `${med(side, (r) => r.reads).toFixed(2)} / ${med(side, (r) => r.writes).toFixed(2)}`,
          byCmd(side),
        ]
      }),
    )
    const variant = ['BENCH_REDIS_IOREDIS_OPTIONS', 'BENCH_REDIS_STORE_OPTIONS']
      .filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]}`)
    const markdown = [
      ...(variant.length ? [`**Experiment: ours ran with ${variant.join(' ')} (not the defaults)**`, ''] : []),
      `## HTTP with Redis: requests/second and server CPU per request (one local redis-server ${redisVersion(await admin.info('server'))}, no persistence; ` +
        `${opts.rounds} rotating rounds, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s each, ${n} connections with a session each, ${where}, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s)`,
      '',
      result,
      '',
      detail,
      '',
      cmds,
      '',
      `Medians over rounds; latencies: median over rounds of each run's percentile. The machine has ${cpus().length} cores. ` +
        'Busy: CPU µs per request x req/s, as a share of one CPU. redis-server socket reads per request show how each client batches: node-redis writes the commands of one ' +
        'event-loop turn (of all concurrent requests) in one write, ioredis writes each command when it is sent. Both sides send their cookie once, at creation ' +
        '(express-session: cookie without maxAge, connect-redis TTL 1 day; ours: default options).',
    ].join('\n')
    return { markdown, rows: [reqs, trips] }
  } finally {
    pin.unpin()
    await Promise.all([...servers.values()].map(stopServer))
    admin?.disconnect()
    await redis.stop()
  }
}

function redisVersion(info: string): string {
  const v = /^redis_version:(\S+)/m.exec(info)?.[1]
  return v === undefined ? '' : `v${v}`
}
