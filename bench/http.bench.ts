// HTTP rows: requests per second of a node:http server whose handler reads and writes one session
// value (Manager + MemoryStore + node adapter), against the same server without sessions.
//
// Each server runs in its own child process (bench/http-server.ts, bundled); autocannon drives
// it from this process on 127.0.0.1 with a fixed Cookie header, so every request finds the one
// session made before the runs (read: load + decode; write: encode + commit + Set-Cookie).
// Rounds alternate the order of the two sides; each run is a warm-up followed by the measured
// run. Latency percentiles come from autocannon's per-response times (float ms; its own
// histogram has 1 ms resolution). The servers also report their CPU time, so the table shows
// server CPU per request, which is less sensitive than req/s to what else the machine is doing.

import { cookiePair, get, load, serverStats, startServer, stopServer, type Server, median, type ChildBenchOptions } from './child-server'
import { cpus } from 'node:os'
import { assert, table, type SectionResult } from './harness'
import { fmtValue, resultRow, summaryCells } from './results'

export type HttpOptions = ChildBenchOptions

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

const TARGET = 0.9

async function measureOne(s: Server, opts: HttpOptions, headers: Record<string, string>): Promise<Run> {
  if (opts.warmupSeconds > 0) await load(s.port, opts.warmupSeconds, opts.connections, headers)
  const before = await serverStats(s.port)
  const latencies: number[] = []
  const c0 = process.cpuUsage()
  const r = await load(s.port, opts.seconds, opts.connections, headers, latencies)
  const c1 = process.cpuUsage(c0)
  const after = await serverStats(s.port)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN
  const requests = after.requests - before.requests
  return { rps: r['2xx'] / r.duration, p50: pct(50), p99: pct(99), cpuUs: (after.cpuUs - before.cpuUs) / requests, clientUs: (c1.user + c1.system) / r['2xx'], requests: r['2xx'] }
}

export async function measureHttp(opts: HttpOptions): Promise<SectionResult> {
  const started = performance.now()
  const ours = await startServer(opts.serverScript, 'session', opts.nodeArgs, { BENCH_SECRET: opts.secret })
  const plain = await startServer(opts.serverScript, 'plain', opts.nodeArgs, { BENCH_SECRET: opts.secret }).catch(async (e: unknown) => {
    await stopServer(ours)
    throw e
  })
  try {
    // The session: made by the first request, then sent as-is by every request.
    const first = await get(ours.port, '/')
    assert(first.status === 200 && first.body === `n=${'1'.padStart(12, '0')}\n`, `first response ${first.status} ${first.body}`)
    const cookie = cookiePair(first)
    assert(cookie.startsWith('session=1.'), `session cookie ${cookie}`)
    const second = await get(ours.port, '/', cookie)
    assert(second.body === `n=${'2'.padStart(12, '0')}\n`, `second request did not find the session: ${second.body}`)
    // With an absolute deadline the cookie is sent once, at creation; later writes send none.
    assert(second.headers['set-cookie'] === undefined, 'a write to an existing session sends no Set-Cookie')
    const p = await get(plain.port, '/')
    assert(p.status === 200 && p.body.length === first.body.length && p.headers['set-cookie'] === undefined, `plain response ${p.status} ${p.body}`)
    const headers = { cookie }

    const runs = { ours: [] as Run[], plain: [] as Run[] }
    let sent = 2 // the two requests above
    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? (['ours', 'plain'] as const) : (['plain', 'ours'] as const)
      for (const side of order) {
        const run = await measureOne(side === 'ours' ? ours : plain, opts, headers)
        runs[side].push(run)
      }
    }
    // Every measured and warm-up request went to the one session (none made a fresh one): the
    // counter is at least the 2xx count of the measured runs, and at most what the server handled.
    const stats = await serverStats(ours.port)
    const last = await get(ours.port, '/', cookie)
    const n = Number(last.body.slice(2))
    sent += runs.ours.reduce((a, r) => a + r.requests, 0)
    assert(n >= sent && n === stats.requests + 1, `session counter ${n}: measured ${sent} requests, server handled ${stats.requests + 1}`)

    const rps = (rs: Run[]) => median(rs.map((r) => r.rps))
    const row = resultRow({
      section: 'http',
      measure: `HTTP req/s, handler reads 1 + writes 1 session value (${opts.connections} connections, pipelining 1)`,
      unit: 'req/s',
      ours: rps(runs.ours),
      theirs: rps(runs.plain),
      theirsName: 'same server, no sessions',
      ratioOf: 'ours/theirs',
      better: 'higher',
      target: { op: '>=', value: TARGET, of: 'ratio' },
    })
    const fmt = (x: number) => fmtValue(x, 'req/s')
    const ms = (x: number) => x.toFixed(2)
    const result = table(
      ['measure', 'ours (median req/s)', 'theirs (median req/s)', 'ratio (ours/theirs)', 'target', 'met?'],
      [summaryCells(row)],
    )
    const detail = table(
      ['side', ...runs.ours.map((_r, i) => `round ${i + 1} req/s`), 'p50 latency (ms)', 'p99 latency (ms)', 'server CPU µs/req', 'autocannon CPU µs/req'],
      (['ours', 'plain'] as const).map((side) => [
        side === 'ours' ? 'ours (Manager + MemoryStore)' : 'no sessions',
        ...runs[side].map((r) => fmt(r.rps)),
        ms(median(runs[side].map((r) => r.p50))),
        ms(median(runs[side].map((r) => r.p99))),
        median(runs[side].map((r) => r.cpuUs)).toFixed(1),
        median(runs[side].map((r) => r.clientUs)).toFixed(1),
      ]),
    )
    const cpuRatio = median(runs.plain.map((r) => r.cpuUs)) / median(runs.ours.map((r) => r.cpuUs))
    const markdown = [
      `## HTTP: requests/second (${opts.rounds} alternating rounds, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s each, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      '',
      result,
      '',
      detail,
      '',
      `Latencies: median over rounds of each run's percentile. Server CPU per request ratio (no sessions / ours): ${cpuRatio.toFixed(2)}x. ` +
        `The machine has ${cpus().length} cores: autocannon (this process) and the server child compete for them, ` +
        'so req/s is bounded by both (and by anything else running); the CPU columns are less noisy than req/s. Ours sends its cookie once, at creation (it lives until the absolute deadline; the idle timeout is enforced on the server), so timed responses carry no Set-Cookie.',
    ].join('\n')
    return { markdown, rows: [row] }
  } finally {
    await Promise.all([stopServer(ours), stopServer(plain)])
  }
}
