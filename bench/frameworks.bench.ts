// Framework rows: requests per second of Express 5, Fastify 5 and Hono (node server)
// with our adapter against the same framework with its usual session library
// (bench/frameworks-server.ts: express-session, @fastify/session + @fastify/cookie, @hono/session),
// each with its own in-memory store; the handler reads n, writes n + 1, answers String(n).
//
// The harness of the HTTP rows (bench/child-server.ts): each server in its own process, driven by
// autocannon from this one on 127.0.0.1; where taskset is on PATH and this process may run on two
// CPUs, the servers are pinned to the first and this process (the load generator) to the second
// for the section (bench/child-server.ts), so the two do not trade places mid-run. Each of the
// BENCH_HTTP_CONNECTIONS connections (default 8) holds a session of its own: before timing, each
// side makes one session per connection (a request without a cookie), then every request of that
// connection sends its cookie. A third server per framework keeps no session at all (the "no
// sessions" columns): its rate bounds any session library's ratio against theirs, and the CPU over
// it is what each session library costs a request. Rounds rotate the order of the three sides;
// each run is a warm-up then the measured run; the tables give medians over rounds, req/s and
// server CPU per request.
// Self-checks: every session's counter advances across requests before timing, and afterwards
// the counters add up to at least the requests measured.

import { cookiePair, get, load, median, pinSection, serverStats, startServer, stopServer, type ChildBenchOptions, type SectionPinning, type Server } from './child-server'
import { assert, table, type SectionResult } from './harness'
import { fmtMet, fmtRatio, fmtTarget, fmtValue, resultRow, type ResultRow } from './results'

export type FrameworkOptions = ChildBenchOptions

interface Pair {
  framework: 'express' | 'fastify' | 'hono'
  label: string
  theirs: string
  target?: number
}

const PAIRS: Pair[] = [
  { framework: 'express', label: 'Express 5', theirs: 'express-session', target: 1.5 },
  { framework: 'fastify', label: 'Fastify 5', theirs: '@fastify/session + @fastify/cookie', target: 1.3 },
  { framework: 'hono', label: 'Hono (node server)', theirs: '@hono/session' },
]

/** bare: the framework with no session library, the ceiling of any ratio against theirs. */
const SIDES = ['ours', 'theirs', 'bare'] as const
type Side = (typeof SIDES)[number]

interface Run {
  rps: number
  cpuUs: number
  requests: number
}

/** Starts the server, on the servers' CPU when the section is pinned. */
function start(opts: FrameworkOptions, framework: string, side: string, pin: SectionPinning): Promise<Server> {
  return startServer(opts.serverScript, [framework, side], opts.nodeArgs, { BENCH_SECRET: opts.secret }, pin.server)
}

/** One session per connection: the `name=value` pairs, checked to count 0, 1 on their way. */
async function sessions(s: Server, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const first = await get(s.port, '/')
    assert(first.status === 200 && first.body === '0', `first response ${first.status} ${first.body}`)
    const cookie = cookiePair(first)
    const second = await get(s.port, '/', cookie)
    assert(second.body === '1', `the second request did not find the session: ${second.body}`)
    out.push(cookie)
  }
  return out
}

async function measureOne(s: Server, opts: FrameworkOptions, cookies: string[]): Promise<Run> {
  // One connection a cookie; the bare side's are empty: no Cookie header.
  const headers = cookies.map((cookie) => (cookie === '' ? {} : { cookie }))
  if (opts.warmupSeconds > 0) await load(s.port, opts.warmupSeconds, headers.length, headers)
  const before = await serverStats(s.port)
  const r = await load(s.port, opts.seconds, headers.length, headers)
  const after = await serverStats(s.port)
  return { rps: r['2xx'] / r.duration, cpuUs: (after.cpuUs - before.cpuUs) / (after.requests - before.requests), requests: r['2xx'] }
}

/** The sum of the sessions' counters: one more request on each answers its count. */
async function counted(s: Server, cookies: string[]): Promise<number> {
  let sum = 0
  for (const c of cookies) sum += Number((await get(s.port, '/', c)).body)
  return sum
}

export async function measureFrameworks(opts: FrameworkOptions): Promise<SectionResult> {
  const started = performance.now()
  const pin = pinSection('framework rows')
  try {
    return await measurePairs(opts, pin, started)
  } finally {
    pin.unpin()
  }
}

async function measurePairs(opts: FrameworkOptions, pin: SectionPinning, started: number): Promise<SectionResult> {
  const fmt = (x: number) => fmtValue(x, 'req/s')
  const rows: string[][] = []
  const results: ResultRow[] = []
  const detail: string[][] = []
  for (const pair of PAIRS) {
    const servers: Partial<Record<Side, Server>> = {}
    try {
      for (const side of SIDES) servers[side] = await start(opts, pair.framework, side, pin)
      const srv = (side: Side) => servers[side] as Server
      // The bare side keeps no session: every connection sends no cookie.
      const cookies = {
        ours: await sessions(srv('ours'), opts.connections),
        theirs: await sessions(srv('theirs'), opts.connections),
        bare: Array.from({ length: opts.connections }, () => ''),
      }
      const runs = { ours: [] as Run[], theirs: [] as Run[], bare: [] as Run[] }
      for (let round = 0; round < opts.rounds; round++) {
        // Each round rotates the order, so no side always runs first or last.
        const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length] as Side)
        for (const side of order) runs[side].push(await measureOne(srv(side), opts, cookies[side]))
      }
      for (const side of ['ours', 'theirs'] as const) {
        const measured = runs[side].reduce((a, r) => a + r.requests, 0)
        const n = await counted(srv(side), cookies[side])
        assert(n >= measured, `${pair.label} ${side}: the sessions counted ${n}, fewer than the ${measured} requests measured`)
      }
      const rps = (side: Side) => median(runs[side].map((r) => r.rps))
      const cpu = (side: Side) => median(runs[side].map((r) => r.cpuUs))
      const row = resultRow({
        section: 'frameworks',
        measure: `${pair.label}: our adapter`,
        unit: 'req/s',
        ours: rps('ours'),
        theirs: rps('theirs'),
        theirsName: pair.theirs,
        ratioOf: 'ours/theirs',
        better: 'higher',
        ...(pair.target === undefined ? {} : { target: { op: '>=', value: pair.target, of: 'ratio' } }),
      })
      results.push(row)
      rows.push([
        `${row.measure} vs ${row.theirsName}`,
        fmt(row.ours),
        fmt(row.theirs),
        fmtRatio(row),
        `${cpu('ours').toFixed(1)} / ${cpu('theirs').toFixed(1)}`,
        fmt(rps('bare')),
        `${cpu('bare').toFixed(1)}`,
        `${(rps('bare') / rps('theirs')).toFixed(2)}x`,
        `${(cpu('ours') - cpu('bare')).toFixed(1)} / ${(cpu('theirs') - cpu('bare')).toFixed(1)}`,
        row.target === null ? 'report' : fmtTarget(row),
        fmtMet(row),
      ])
      for (const side of SIDES) {
        detail.push([`${pair.label} ${side === 'theirs' ? pair.theirs : side === 'ours' ? 'ours' : 'no sessions'}`, ...runs[side].map((r) => fmt(r.rps))])
      }
    } finally {
      await Promise.all(Object.values(servers).map((s) => stopServer(s)))
    }
  }
  const markdown = [
    `## Frameworks: requests/second (${opts.rounds} rounds in rotating order, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s each, ` +
      `${opts.connections} connections with a session each, ${pin.where}, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s)`,
    '',
    table(
      [
        'measure',
        'ours (median req/s)',
        'theirs (median req/s)',
        'ratio (ours/theirs)',
        'server CPU µs/req (ours / theirs)',
        'no sessions (req/s)',
        'no sessions CPU µs/req',
        'ceiling (no sessions/theirs)',
        'session CPU µs/req over no sessions (ours / theirs)',
        'target',
        'met?',
      ],
      rows,
    ),
    '',
    table(['side', ...Array.from({ length: opts.rounds }, (_, i) => `round ${i + 1} req/s`)], detail),
  ].join('\n')
  return { markdown, rows: results }
}
