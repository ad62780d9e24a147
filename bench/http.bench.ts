// HTTP rows: requests per second and server CPU per request of a node:http server whose handler
// uses a session (Manager + MemoryStore + node adapter), against the same server answering
// `res.end('0')` with no session and no header of its own ("bare"). One row a case, each with
// its target (issue 12, "Targets"):
// - read n, write n + 1, commit, cookie.maxAge 86400: the cookie follows activity, re-sent at most
//   once per touchAfter (default 60 s) — >= 0.70x bare;
// - the same with touchAfter 0 (no refresh throttling: a Set-Cookie on every write), no target:
//   it keeps the cost of a re-send measured;
// - read + write, no cookie.maxAge (the cookie is sent at creation only) — >= 0.72x bare;
// - read only (the response carries Vary: Cookie and no Set-Cookie) — >= 0.75x bare.
// The servers are bench/http-server.ts (bundled), each in its own child process.
//
// Load: autocannon, 8 connections (BENCH_HTTP_CONNECTIONS), pipelining 1, each connection with a
// session of its own: before timing, each session server makes one session per connection, and
// every request of that connection sends its cookie (autocannon's per-connection setup). The bare
// server gets the same requests, cookies included, so every side parses the same bytes. Rounds
// rotate the order of the five sides; each run is a 1 s warm-up, then the measured run; the rows
// are medians over rounds. The servers report their CPU time, so the tables give server CPU per
// request, which is less sensitive than req/s to what else the machine is doing; latency
// percentiles come from autocannon's per-response times (float ms).
//
// Pinning: where taskset is on PATH and this process may run on two CPUs, the servers start on
// the first and this process (the load generator) moves itself to the second for the section,
// then back. Moving itself, rather than a load generator in a pinned child or the whole bench
// re-run under taskset, needs no second process and no results passed back between processes,
// and leaves the other sections as they were: the micro rows before it run unpinned, and the
// sections after it start their children with the CPU list this process had. Without taskset or
// with one CPU the section runs unpinned and says so.
//
// Self-checks before timing: bare answers '0' with no Set-Cookie and no Vary; on each session
// server a request without a cookie is refused (409, nothing written), so a timed request that
// carried no valid cookie would fail the run; the sessions' cookies are distinct; a few
// sequential requests on each session answer its counter (advancing on write, not on read) with
// Vary: Cookie, and Set-Cookie exactly as the case says: none on a read, none on a write within
// touchAfter of the cookie's last sending (here: its creation), one on every write with touchAfter
// 0, with the same value and Max-Age. After timing: on a write case the counters moved by exactly
// the requests the server handled, every session's by some (each connection used its own), and
// on the read case by none.

import { cookieOf, get, load, median, pinSection, serverStats, setCookies, startServer, stopServer, type ChildBenchOptions, type Response, type Server } from './child-server'
import { assert, table, type SectionResult } from './harness'
import { fmtMet, fmtRatio, fmtTarget, fmtValue, resultRow, type ResultRow } from './results'

export type HttpOptions = ChildBenchOptions

const DAY = 86400
/** The Manager's default absoluteTimeout: without cookie.maxAge the cookie lasts until that deadline. */
const WEEK = 7 * DAY

interface Case {
  /** The row's measure, after "HTTP req/s, ". */
  label: string
  /** The server's arguments (bench/http-server.ts). */
  args: string[]
  writes: boolean
  /** The Max-Age every Set-Cookie of the case says: cookie.maxAge, else the absolute deadline. */
  maxAge: number
  /** Every write re-sends the cookie (touchAfter 0); otherwise no request before timing sends one. */
  resends: boolean
  target?: number
}

const CASES: Case[] = [
  { label: `read + write, cookie.maxAge ${DAY}`, args: ['write', `maxAge=${DAY}`], writes: true, maxAge: DAY, resends: false, target: 0.7 },
  { label: `read + write, cookie.maxAge ${DAY}, touchAfter 0 (Set-Cookie on every write)`, args: ['write', `maxAge=${DAY}`, 'touchAfter=0'], writes: true, maxAge: DAY, resends: true },
  { label: 'read + write, no cookie.maxAge', args: ['write'], writes: true, maxAge: WEEK, resends: false, target: 0.72 },
  { label: 'read only (Vary: Cookie)', args: ['read'], writes: false, maxAge: WEEK, resends: false, target: 0.75 },
]

/** Sequential requests per session before timing. */
const CHECKS = 3

interface Run {
  rps: number
  p50: number
  p99: number
  /** Server CPU time per request, µs. */
  cpuUs: number
  /** CPU time of this process (autocannon) per request, µs. */
  clientUs: number
  requests: number
}

/** One server under load: bare, or a case with its sessions. */
interface Side {
  name: string
  server: Server
  /** One Cookie header a connection. */
  headers: Record<string, string>[]
  case?: Case
  /** Each session's counter as its next request will read it. */
  next: number[]
  runs: Run[]
}

const maxAgeOf = (line: string): number | undefined => {
  const m = /;\s*max-age=(\d+)/i.exec(line)
  return m === null ? undefined : Number(m[1])
}
const varies = (r: Response): boolean => /(^|,)\s*cookie\s*(,|$)/i.test(String(r.headers.vary ?? ''))

/** One session per connection on a case's server, checked as the module comment says. */
async function sessions(s: Server, c: Case, connections: number): Promise<{ cookies: string[]; next: number[] }> {
  const anonymous = await get(s.port, '/')
  assert(anonymous.status === 409 && setCookies(anonymous).length === 0, `${c.label}: a request without a session got ${anonymous.status} with ${setCookies(anonymous).length} Set-Cookie, not 409 and none`)
  const cookies: string[] = []
  const next: number[] = []
  for (let i = 0; i < connections; i++) {
    const first = await get(s.port, '/new')
    const made = setCookies(first)
    assert(first.status === 200 && first.body === '0' && made.length === 1, `${c.label}: making a session answered ${first.status} ${first.body} with ${made.length} Set-Cookie`)
    const line = made[0] ?? ''
    assert(maxAgeOf(line) === c.maxAge, `${c.label}: the session's cookie has Max-Age ${maxAgeOf(line)}, expected ${c.maxAge}: ${line}`)
    const cookie = cookieOf(line)
    let n = 0
    for (let k = 1; k <= CHECKS; k++) {
      const r = await get(s.port, '/', cookie)
      assert(r.status === 200 && r.body === String(n), `${c.label}: request ${k} on a session answered ${r.status} ${r.body}, expected ${n}`)
      assert(varies(r), `${c.label}: request ${k} has no Vary: Cookie (${String(r.headers.vary)})`)
      const sent = setCookies(r)
      if (c.resends) {
        assert(sent.length === 1 && cookieOf(sent[0] ?? '') === cookie && maxAgeOf(sent[0] ?? '') === c.maxAge, `${c.label}: write ${k} must re-send the same cookie with Max-Age ${c.maxAge}, sent ${JSON.stringify(sent)}`)
      } else {
        assert(sent.length === 0, `${c.label}: request ${k} sent ${JSON.stringify(sent)}, expected no Set-Cookie (${c.writes ? 'a write within touchAfter of the cookie' : 'a read'})`)
      }
      if (c.writes) n++
    }
    cookies.push(cookie)
    next.push(n)
  }
  assert(new Set(cookies).size === connections, `${c.label}: ${connections} sessions but ${new Set(cookies).size} distinct cookies`)
  return { cookies, next }
}

/** Each session's counter now; a write case's request moves it on, after reading it. */
async function counters(s: Server, headers: Record<string, string>[]): Promise<number[]> {
  const out: number[] = []
  for (const h of headers) out.push(Number((await get(s.port, '/', h.cookie)).body))
  return out
}

async function measureOne(side: Side, opts: HttpOptions): Promise<Run> {
  const { port } = side.server
  if (opts.warmupSeconds > 0) await load(port, opts.warmupSeconds, opts.connections, side.headers)
  const before = await serverStats(port)
  const latencies: number[] = []
  const c0 = process.cpuUsage()
  const r = await load(port, opts.seconds, opts.connections, side.headers, latencies)
  const c1 = process.cpuUsage(c0)
  const after = await serverStats(port)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN
  const requests = after.requests - before.requests
  return { rps: r['2xx'] / r.duration, p50: pct(50), p99: pct(99), cpuUs: (after.cpuUs - before.cpuUs) / requests, clientUs: (c1.user + c1.system) / r['2xx'], requests: r['2xx'] }
}

export async function measureHttp(opts: HttpOptions): Promise<SectionResult> {
  const started = performance.now()
  const env = { BENCH_SECRET: opts.secret }
  const sides: Side[] = []
  const pin = pinSection('HTTP rows')
  try {
    sides.push({ name: "bare node:http, res.end('0')", server: await startServer(opts.serverScript, 'bare', opts.nodeArgs, env, pin.server), headers: [], next: [], runs: [] })
    for (const c of CASES) sides.push({ name: c.label, server: await startServer(opts.serverScript, c.args, opts.nodeArgs, env, pin.server), headers: [], case: c, next: [], runs: [] })

    const bare = sides[0] as Side
    const b = await get(bare.server.port, '/')
    assert(b.status === 200 && b.body === '0' && setCookies(b).length === 0 && b.headers.vary === undefined, `bare response ${b.status} ${b.body} ${JSON.stringify(b.headers)}`)
    for (const side of sides) {
      if (side.case === undefined) continue
      const made = await sessions(side.server, side.case, opts.connections)
      side.headers = made.cookies.map((cookie) => ({ cookie }))
      side.next = made.next
    }
    // The bare server gets the first case's requests: the same bytes, ignored.
    bare.headers = (sides[1] as Side).headers

    const before = new Map<Side, number>()
    for (const side of sides) before.set(side, (await serverStats(side.server.port)).requests)
    for (let round = 0; round < opts.rounds; round++) {
      // Each round rotates the order, so no side always runs first or last.
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(i + round) % sides.length] as Side
        side.runs.push(await measureOne(side, opts))
      }
    }

    for (const side of sides) {
      const c = side.case
      if (c === undefined) continue
      const now = await counters(side.server, side.headers)
      const moved = now.map((n, i) => n - (side.next[i] ?? NaN))
      const total = moved.reduce((a, m) => a + m, 0)
      // What the server handled since timing began, less the requests that just read the counters
      // (each answers the count before its own write).
      const requests = (await serverStats(side.server.port)).requests - (before.get(side) ?? NaN) - side.headers.length
      if (c.writes) {
        assert(total === requests && moved.every((m) => m > 0), `${c.label}: the sessions' counters moved by ${moved.join(', ')} (${total}), the server handled ${requests} requests`)
      } else {
        assert(requests > 0 && moved.every((m) => m === 0), `${c.label}: a read-only run moved the counters by ${moved.join(', ')}`)
      }
    }
  } finally {
    pin.unpin()
    await Promise.all(sides.map((s) => stopServer(s.server)))
  }

  const bare = sides[0] as Side
  const rps = (s: Side) => median(s.runs.map((r) => r.rps))
  const cpu = (s: Side) => median(s.runs.map((r) => r.cpuUs))
  const rows: ResultRow[] = []
  const summary: string[][] = []
  for (const side of sides.slice(1)) {
    const c = side.case as Case
    const row = resultRow({
      section: 'http',
      measure: `HTTP req/s, ${c.label}; ${opts.connections} connections, a session each`,
      unit: 'req/s',
      ours: rps(side),
      theirs: rps(bare),
      theirsName: bare.name,
      ratioOf: 'ours/theirs',
      better: 'higher',
      ...(c.target === undefined ? {} : { target: { op: '>=', value: c.target, of: 'ratio' } }),
      serverCpuUs: { ours: cpu(side), theirs: cpu(bare) },
    })
    rows.push(row)
    summary.push([c.label, fmtValue(row.ours, 'req/s'), fmtRatio(row), cpu(side).toFixed(1), (cpu(side) - cpu(bare)).toFixed(1), row.target === null ? 'report' : fmtTarget(row), fmtMet(row)])
  }
  // Busy: the share of one CPU a side used during its runs (near 100%: that side is the limit).
  const busy = (s: Side, us: (r: Run) => number) => `${median(s.runs.map((r) => (us(r) * r.rps) / 1e4)).toFixed(0)}%`
  const detail = table(
    ['side', ...bare.runs.map((_r, i) => `round ${i + 1} req/s`), 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server busy', 'load generator CPU µs/req', 'load generator busy'],
    sides.map((s) => [
      s.name,
      ...s.runs.map((r) => fmtValue(r.rps, 'req/s')),
      median(s.runs.map((r) => r.p50)).toFixed(2),
      median(s.runs.map((r) => r.p99)).toFixed(2),
      cpu(s).toFixed(1),
      busy(s, (r) => r.cpuUs),
      median(s.runs.map((r) => r.clientUs)).toFixed(1),
      busy(s, (r) => r.clientUs),
    ]),
  )
  const markdown = [
    `## HTTP: requests/second and server CPU per request (${opts.rounds} rounds in rotating order, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s each, ` +
      `${opts.connections} connections with a session each, ${pin.where}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    '',
    `Bare node:http: ${fmtValue(rps(bare), 'req/s')} req/s, server CPU ${cpu(bare).toFixed(1)} µs/req.`,
    '',
    table(['case', 'median req/s', 'of bare', 'server CPU µs/req', 'session CPU µs/req (over bare)', 'target', 'met?'], summary),
    '',
    detail,
    '',
    'Medians over rounds. Busy: CPU µs per request x req/s, as a share of one CPU; a side near 100% is what bounds req/s.',
  ].join('\n')
  return { markdown, rows }
}
