// Redis HTTP rows: requests per second of a node:http server whose handler reads one
// session value and writes one, with sessions in Redis: ours (Manager + RedisStore on ioredis
// with recommendedClientOptions) against express-session + connect-redis on node-redis (its
// supported client), and the same server without sessions (no Redis at all) as the baseline, so
// Redis's share of the cost is visible.
//
// One redis-server for the whole section, started by test/redis/process.ts (the suites' helper)
// on a free loopback port with no persistence (--save '' --appendonly no) and stopped at the end,
// readiness a PING answered, never a sleep. All three servers run at once as child processes
// (bench/redis-server-child.ts, bundled), each measured in turn by autocannon
// from this process with a fixed Cookie header: each side makes its session once, then every
// request finds it (load, then commit at the end). Rounds rotate the order of the sides; each run
// is a warm-up followed by the measured run.
//
// Before timing, self-checks: the counter increments across requests on each side, exactly one
// session key per side is in Redis and holds the counter; afterwards, the counters account for
// every request. Round trips per request are counted with MONITOR over a few sequential requests
// per side (top-level commands only: those a script runs show up as source "lua"); Redis commands
// per request, script-internal ones included, and redis-server CPU per request come from INFO
// commandstats / INFO cpu deltas around each measured run.
//
//   BENCH_REDIS_ROUNDS=3 (0 skips)  BENCH_REDIS_SECONDS=4  BENCH_REDIS_WARMUP=1
//   (also BENCH_HTTP_CONNECTIONS and BENCH_HTTP_NODE_ARGS, shared with the HTTP rows)
//   For experiments: BENCH_REDIS_IOREDIS_OPTIONS='{"enableAutoPipelining":true}' (JSON ioredis
//   options for ours, over recommendedClientOptions), BENCH_REDIS_STORE_OPTIONS='{"timeout":0}'
//   (JSON RedisStore options); the section then says so above its tables.

import { cpus } from 'node:os'
import { Redis } from 'ioredis'
import { redisServerPath, startRedis, type RedisServer } from '../test/redis/process'
import { cookiePair, get, load, serverStats, startServer, stopServer, type Response, type Server, median, type ChildBenchOptions } from './child-server'
import { assert, table, type SectionResult } from './harness'
import { fmtValue, resultRow, summaryCells } from './results'

export type RedisHttpOptions = ChildBenchOptions

type Side = 'ours' | 'theirs' | 'plain'
const MODE: Record<Side, string> = { ours: 'ours-redis', theirs: 'express-session-redis', plain: 'plain' }
const SIDES: readonly Side[] = ['ours', 'theirs', 'plain']

const TARGET = 1.3
/** Round trips per request ours may take: the load and the commit. */
const MAX_ROUND_TRIPS = 2
/** Sequential requests per side watched with MONITOR. */
const MONITOR_REQUESTS = 20

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Server children (bench/child-server.ts)

function startSide(script: string, side: Side, redisPort: number, opts: RedisHttpOptions): Promise<Server> {
  return startServer(script, MODE[side], opts.nodeArgs, { BENCH_SECRET: opts.secret, BENCH_REDIS_PORT: String(redisPort) })
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

async function measureOne(s: Server, admin: Redis, opts: RedisHttpOptions, headers: Record<string, string>): Promise<Run> {
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
  try {
    admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 })
    admin.on('error', () => {})
    for (const side of SIDES) servers.set(side, await startSide(opts.serverScript, side, redis.port, opts))
    const srv = (side: Side) => servers.get(side)!

    // Self-checks: each side makes its session, then finds it again; the bodies are one size.
    const cookies = new Map<Side, string>()
    for (const side of ['ours', 'theirs'] as const) {
      const first = await get(srv(side).port, '/')
      assert(first.status === 200 && first.body === bodyOf(1), `${side}: first response ${first.status} ${first.body}`)
      const cookie = cookiePair(first)
      const second = await get(srv(side).port, '/', cookie)
      assert(second.status === 200 && second.body === bodyOf(2), `${side}: the second request did not find the session: ${second.body}`)
      const third = await get(srv(side).port, '/', cookie)
      assert(third.body === bodyOf(3), `${side}: the third request did not find the session: ${third.body}`)
      // Neither side re-sends its cookie on a write to an existing session (see the child).
      assert(third.headers['set-cookie'] === undefined, `${side}: a write to an existing session sent Set-Cookie ${String(third.headers['set-cookie'])}`)
      cookies.set(side, cookie)
    }
    assert(cookies.get('ours')!.startsWith('session=1.'), `ours: session cookie ${cookies.get('ours')}`)
    assert(cookies.get('theirs')!.startsWith('connect.sid=s%3A'), `theirs: session cookie ${cookies.get('theirs')}`)
    const p = await get(srv('plain').port, '/')
    assert(p.status === 200 && p.body === bodyOf(1) && p.headers['set-cookie'] === undefined, `plain response ${p.status} ${p.body}`)

    // The sessions really are in Redis: one key per side, holding the counter.
    const oursKeys = await admin.keys('session:*')
    const theirsKeys = await admin.keys('sess:*')
    assert(oursKeys.length === 1 && theirsKeys.length === 1 && (await admin.dbsize()) === 2, `keys in Redis: ${JSON.stringify([...oursKeys, ...theirsKeys])}`)
    const stored = async () => {
      const h = await admin!.hgetallBuffer(oursKeys[0]!)
      const theirs = JSON.parse((await admin!.get(theirsKeys[0]!)) ?? 'null') as { n?: unknown } | null
      return { oursHasN: h.n !== undefined && h.n.length > 0, theirsN: theirs?.n }
    }
    const s0 = await stored()
    assert(s0.oursHasN, `ours: no field n in ${oursKeys[0]}`)
    assert(s0.theirsN === 3, `theirs: ${theirsKeys[0]} holds n=${String(s0.theirsN)}, expected 3`)
    assert((await admin.pttl(oursKeys[0]!)) > 0 && (await admin.ttl(theirsKeys[0]!)) > 0, 'both session keys expire')

    // Round trips per request, each side alone.
    const watched = new Map<Side, Watched>()
    for (const side of ['ours', 'theirs'] as const) watched.set(side, await watchRoundTrips(admin, srv(side).port, cookies.get(side), MONITOR_REQUESTS))
    const sent = { ours: 3 + MONITOR_REQUESTS, theirs: 3 + MONITOR_REQUESTS }

    // Timing: rounds rotate the order of the three sides (and reverse it every other round).
    const runs: Record<Side, Run[]> = { ours: [], theirs: [], plain: [] }
    for (let round = 0; round < opts.rounds; round++) {
      const rotated = SIDES.map((_s, i) => SIDES[(i + round) % SIDES.length]!)
      const order = round % 2 === 1 ? rotated.reverse() : rotated
      for (const side of order) {
        const cookie = cookies.get(side)
        runs[side].push(await measureOne(srv(side), admin, opts, cookie === undefined ? {} : { cookie }))
      }
    }

    // Every warm-up and measured request went to the one session of its side: a request that did
    // not find it would have made a new one (a new key). Concurrent requests to one session race
    // (read n, write n + 1 on two connections: the last commit wins, on both sides), so the counter
    // only grew, by at most one per request; sequential requests still count exactly.
    assert((await admin.dbsize()) === 2, `still one session key per side: ${JSON.stringify(await admin.keys('*'))}`)
    assert((await admin.keys('session:*'))[0] === oursKeys[0] && (await admin.keys('sess:*'))[0] === theirsKeys[0], 'the same session keys')
    const counters = new Map<Side, number>()
    const kept = new Map<Side, string>()
    for (const side of ['ours', 'theirs'] as const) {
      const stats = await serverStats(srv(side).port)
      const a = counterOf(await get(srv(side).port, '/', cookies.get(side)))
      const b = counterOf(await get(srv(side).port, '/', cookies.get(side)))
      assert(a > sent[side] && a <= stats.requests + 1 && b === a + 1, `${side}: session counter ${a} then ${b} after ${stats.requests} requests`)
      counters.set(side, b)
      kept.set(side, `${side} ${(((a - sent[side]) / (stats.requests - sent[side])) * 100).toFixed(0)}%`)
    }
    const s1 = await stored()
    assert(s1.theirsN === counters.get('theirs'), `theirs: Redis holds n=${String(s1.theirsN)}, the counter is ${counters.get('theirs')}`)

    // Tables.
    const rps = (side: Side) => median(runs[side].map((r) => r.rps))
    const med = (side: Side, f: (r: Run) => number) => median(runs[side].map(f))
    const fmt = (x: number) => fmtValue(x, 'req/s')
    const theirsName = 'express-session + connect-redis + node-redis'
    const reqs = resultRow({
      section: 'redis',
      measure: `HTTP req/s, handler reads 1 + writes 1 session value in Redis (${opts.connections} connections, pipelining 1)`,
      unit: 'req/s',
      ours: rps('ours'),
      theirs: rps('theirs'),
      theirsName,
      ratioOf: 'ours/theirs',
      better: 'higher',
      target: { op: '>=', value: TARGET, of: 'ratio' },
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
    const detail = table(
      ['side', ...runs.ours.map((_r, i) => `round ${i + 1} req/s`), 'p50 (ms)', 'p99 (ms)', 'server CPU µs/req', 'redis-server CPU µs/req', 'autocannon CPU µs/req'],
      SIDES.map((side) => [
        name[side],
        ...runs[side].map((r) => fmt(r.rps)),
        med(side, (r) => r.p50).toFixed(2),
        med(side, (r) => r.p99).toFixed(2),
        med(side, (r) => r.cpuUs).toFixed(1),
        med(side, (r) => r.redisUs).toFixed(1),
        med(side, (r) => r.clientUs).toFixed(1),
      ]),
    )
    const byCmd = (side: Side) => {
      const last = runs[side].at(-1)
      return last ? [...last.byCommand].map(([c, n]) => `${c.toUpperCase()} ${n.calls.toFixed(2)} (${n.usec.toFixed(1)} µs)`).join(', ') || 'none' : '—'
    }
    /** µs per request Redis spent executing the side's top-level commands (scripts included). */
    const execUs = (side: 'ours' | 'theirs') => {
      const names = watched.get(side)!.names
      return med(side, (r) => [...r.byCommand].filter(([c]) => names.has(c)).reduce((a, [, n]) => a + n.usec, 0))
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
    const serverCpuRatio = med('theirs', (r) => r.cpuUs) / med('ours', (r) => r.cpuUs)
    const variant = ['BENCH_REDIS_IOREDIS_OPTIONS', 'BENCH_REDIS_STORE_OPTIONS']
      .filter((k) => process.env[k])
      .map((k) => `${k}=${process.env[k]}`)
    const markdown = [
      ...(variant.length ? [`**Experiment: ours ran with ${variant.join(' ')} (not the defaults)**`, ''] : []),
      `## HTTP with Redis: requests/second (one local redis-server ${redisVersion(await admin.info('server'))}, no persistence; ${opts.rounds} rotating rounds, ` +
        `${opts.warmupSeconds} s warm-up + ${opts.seconds} s each, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      '',
      result,
      '',
      detail,
      '',
      cmds,
      '',
      `Server CPU per request ratio (theirs / ours): ${serverCpuRatio.toFixed(2)}x. Latencies: median over rounds of each run's percentile. ` +
        `The machine has ${cpus().length} cores: autocannon (this process), the server child and redis-server compete for them, so req/s is bounded by all three; ` +
        'the CPU columns are less noisy than req/s. redis-server socket reads per request show how each client batches: node-redis writes the commands of one ' +
        'event-loop turn (of all concurrent requests) in one write, ioredis writes each command when it is sent. Both sides send their cookie once, at creation (express-session: cookie without maxAge, connect-redis TTL 1 day; ' +
        'ours: default options). Under load the 10 connections race on the one session (read n, write n + 1, no lock: the last commit wins), ' +
        `so the counter kept only part of the increments: ${[...kept.values()].join(', ')} (the bench checks it only grew, and still counts sequential requests exactly).`,
    ].join('\n')
    return { markdown, rows: [reqs, trips] }
  } finally {
    await Promise.all([...servers.values()].map(stopServer))
    admin?.disconnect()
    await redis.stop()
  }
}

function redisVersion(info: string): string {
  const v = /^redis_version:(\S+)/m.exec(info)?.[1]
  return v === undefined ? '' : `v${v}`
}
