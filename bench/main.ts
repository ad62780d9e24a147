// Entry of `npm run bench` (bundled by build/bench.mjs, which passes the module src/codec.ts in).
// Runs every contender BENCH_RUNS times (default 2) in this one process and prints one
// markdown table per run.
//
//   BENCH_RUNS=2  BENCH_TIME_MS=700  BENCH_WARMUP_MS=200  BENCH_STARTUP_N=10
//
// Then, once, the HTTP rows (bench/http.bench.ts; server children from bench/http-server.ts) and
// the memory rows (bench/memory.bench.ts):
//
//   BENCH_HTTP_ROUNDS=3 (0 skips)  BENCH_HTTP_SECONDS=5  BENCH_HTTP_WARMUP=1
//   BENCH_HTTP_CONNECTIONS=8 (a session each; the Redis and framework rows use it too)
//   BENCH_HTTP_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'  (flags for the server children)
//   BENCH_MEMORY_N=20000 (0 skips)  BENCH_MEMORY_ROUNDS=3
//
// And the Redis HTTP rows (bench/redis.bench.ts; server children from bench/redis-server-child.ts;
// one redis-server of their own, SKIPPED loudly when redis-server is not on PATH):
//
//   BENCH_REDIS_ROUNDS=3 (0 skips)  BENCH_REDIS_SECONDS=4  BENCH_REDIS_WARMUP=1
//   (BENCH_HTTP_CONNECTIONS and BENCH_HTTP_NODE_ARGS apply to these server children too)
//
// And the framework rows (bench/frameworks.bench.ts; server children from
// bench/frameworks-server.ts): Express 5, Fastify 5 and Hono with our adapter vs their usual
// session library, 8 connections with a session each unless BENCH_HTTP_CONNECTIONS says otherwise:
//
//   BENCH_FRAMEWORK_ROUNDS=4 (0 skips)  BENCH_FRAMEWORK_SECONDS=4  BENCH_FRAMEWORK_WARMUP=1
//
// BENCH_ONLY=frameworks runs the framework rows alone (nothing else is measured).
//
// Every run ends by writing results.json and results.md (bench/results.ts) into BENCH_OUT (default
// bench/): the comparison rows of every section that ran, with the machine, Node and the date;
// the micro rows there are the medians over the BENCH_RUNS runs. A run with any BENCH_* knob set
// says so in both files (and in the chart drawn from them), and lists the sections it skipped.
// The console keeps the per-run and per-round detail.

import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, platform, arch, totalmem } from 'node:os'
import { join } from 'node:path'
import { codecSuite } from './codec.bench'
import { coreSuite } from './core.bench'
import { cryptoSuite } from './crypto.bench'
import { cookieSuite } from './cookie.bench'
import { sealedSuite } from './sealed.bench'
import { contextTable, measure, microRow, rowsTable, sink, type Measured, type SectionResult, type Suite } from './harness'
import { resultsMarkdown, type ResultRow, type Results } from './results'
import { median, type ChildBenchOptions } from './child-server'
import { measureStartup } from './startup'
import { measureHttp } from './http.bench'
import { measureMemory } from './memory.bench'
import { measureRedisHttp } from './redis.bench'
import { measureFrameworks } from './frameworks.bench'

/** The same secret for every library: 44 ASCII bytes. */
const SECRET = 'bench-secret-4f9c2a7e1b6d3c8a0e5f7b2d9c4a6e1f'

function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  const v = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`)
  return v
}

/** From build/bench.mjs: the bundled server scripts, the results folder, the start time. */
export interface MainOptions {
  httpServer?: string
  redisServer?: string
  frameworksServer?: string
  /** Where results.json and results.md go; not written without it. */
  out?: string
  /** Date.now() when `npm run bench` started, before its build. */
  startedAt?: number
}

/** The default run's budget, build included (bench/README.md). */
const BUDGET_SECONDS = 600

/** What the sections of one run add up to: bench/results.json's rows and skipped sections. */
interface Report {
  rows: ResultRow[]
  skipped: string[]
}

const NO_SCRIPT = 'no server script (run through build/bench.mjs)'

/**
 * The options of a section run on server children: BENCH_<section>_SECONDS and _WARMUP (1 s by
 * default), and, shared by all three, BENCH_HTTP_CONNECTIONS and BENCH_HTTP_NODE_ARGS.
 */
function childOptions(serverScript: string, rounds: number, section: 'HTTP' | 'REDIS' | 'FRAMEWORK', seconds: number, connections: number): ChildBenchOptions {
  return {
    serverScript,
    secret: SECRET,
    rounds,
    seconds: envInt(`BENCH_${section}_SECONDS`, seconds),
    warmupSeconds: envInt(`BENCH_${section}_WARMUP`, 1),
    connections: envInt('BENCH_HTTP_CONNECTIONS', connections),
    nodeArgs: (process.env.BENCH_HTTP_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  }
}

function skip(report: Report, what: string, why: string): void {
  console.log(`\n${what} SKIPPED: ${why}`)
  report.skipped.push(`${what}: ${why}`)
}

/** Prints a section's console text and keeps its rows (or the reason it measured nothing). */
function collect(report: Report, section: SectionResult): void {
  console.log(`\n${section.markdown}`)
  report.rows.push(...section.rows)
  if (section.skipped !== undefined) report.skipped.push(section.skipped)
}

/** Knobs that do not change what is measured: left out of the results' settings. */
const NOT_SETTINGS = new Set(['BENCH_NO_BUILD', 'BENCH_OUT'])

function writeResults(dir: string, report: Report, startedAt: number): void {
  const cpu = cpus()
  const results: Results = {
    machine: { cpu: cpu[0]?.model.trim() ?? '?', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${arch()}` },
    node: process.version,
    date: new Date(startedAt).toISOString(),
    seconds: Math.round((Date.now() - startedAt) / 1000),
    settings: Object.fromEntries(
      Object.entries(process.env)
        .filter((e): e is [string, string] => e[0].startsWith('BENCH_') && !NOT_SETTINGS.has(e[0]) && e[1] !== undefined && e[1] !== '')
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
    skipped: report.skipped,
    rows: report.rows,
  }
  mkdirSync(dir, { recursive: true })
  // Six significant digits: the timer and the rounds are not more precise than that.
  const round = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v)
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, round, 2)}\n`)
  writeFileSync(join(dir, 'results.md'), resultsMarkdown(results))
  console.log(`\nresults: ${join(dir, 'results.json')} and results.md (${report.rows.length} rows${report.skipped.length ? `, ${report.skipped.length} sections skipped` : ''})`)
  if (results.seconds > BUDGET_SECONDS) console.log(`########## the run took ${results.seconds} s, over its budget of ${BUDGET_SECONDS} s ##########`)
}

export async function main(codec: unknown, distIndex: string, extra: MainOptions = {}): Promise<void> {
  const startedAt = extra.startedAt ?? Date.now()
  const report: Report = { rows: [], skipped: [] }
  const only = process.env.BENCH_ONLY ?? ''
  if (only !== '' && only !== 'frameworks') throw new Error(`BENCH_ONLY must be "frameworks" or unset, got ${only}`)
  if (only === 'frameworks') {
    report.skipped.push('micro, HTTP, Redis and memory rows: BENCH_ONLY=frameworks')
    await frameworks(extra.frameworksServer, report)
  } else {
    await everything(codec, distIndex, extra, report)
  }
  if (extra.out !== undefined) writeResults(extra.out, report, startedAt)
}

async function everything(codec: unknown, distIndex: string, extra: MainOptions, report: Report): Promise<void> {
  const runs = envInt('BENCH_RUNS', 2)
  const timeMs = envInt('BENCH_TIME_MS', 700)
  const warmupMs = envInt('BENCH_WARMUP_MS', 200)
  const startupN = envInt('BENCH_STARTUP_N', 10)

  const core = coreSuite(SECRET)
  const suites: Suite[] = [core, cookieSuite(), cryptoSuite(), await sealedSuite(SECRET)]
  // A codec that exists but fails its round-trip self-check must not hide the signing rows:
  // say so loudly, run the rest, and exit non-zero.
  let codecOrSkip: Suite | string
  try {
    codecOrSkip = codecSuite(codec)
  } catch (e) {
    codecOrSkip = `FAILED ${e instanceof Error ? e.message : String(e)}`
    process.exitCode = 1
  }
  if (typeof codecOrSkip === 'string') skip(report, 'codec rows', codecOrSkip)
  else suites.push(codecOrSkip)

  const cpu = cpus()
  console.log(
    `node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}; tinybench time ${timeMs} ms + warmup ${warmupMs} ms per task; ` +
      `gc between tasks: ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'yes' : 'no (run with --expose-gc)'}\n` +
      'ns/op = median latency of one call / operations per call (each call loops 20-50 ops); ratio = theirs / ours, same process, same secret.',
  )

  const contenders = suites.flatMap((s) => s.contenders)
  const rows = suites.flatMap((s) => s.rows)
  const context = suites.flatMap((s) => s.context)
  const measured: Map<string, Measured>[] = []
  for (let run = 1; run <= runs; run++) {
    const reverse = run % 2 === 0
    const t = performance.now()
    const m = await measure(contenders, { timeMs, warmupMs, reverse })
    measured.push(m)
    console.log(`\n### run ${run} of ${runs} (${reverse ? 'tasks in reverse order' : 'tasks in order'}, ${((performance.now() - t) / 1000).toFixed(1)} s)\n`)
    console.log(rowsTable(rows, m))
    console.log()
    console.log(contextTable(context, m))
    if (startupN > 0) {
      console.log()
      console.log(measureStartup(distIndex, SECRET, core.sample, startupN))
    }
  }
  if (runs === 0) skip(report, 'micro rows', 'BENCH_RUNS=0')
  else report.rows.push(...rows.map((r) => microRow(r, (task) => median(measured.map((m) => m.get(task)?.ns ?? NaN)))))

  const httpRounds = envInt('BENCH_HTTP_ROUNDS', 3)
  if (httpRounds === 0) skip(report, 'HTTP rows', 'BENCH_HTTP_ROUNDS=0')
  else if (extra.httpServer === undefined) skip(report, 'HTTP rows', NO_SCRIPT)
  else {
    collect(report, await measureHttp(childOptions(extra.httpServer, httpRounds, 'HTTP', 5, 8)))
  }
  const redisRounds = envInt('BENCH_REDIS_ROUNDS', 3)
  if (redisRounds === 0) skip(report, 'Redis HTTP rows', 'BENCH_REDIS_ROUNDS=0')
  else if (extra.redisServer === undefined) skip(report, 'Redis HTTP rows', NO_SCRIPT)
  else {
    collect(report, await measureRedisHttp(childOptions(extra.redisServer, redisRounds, 'REDIS', 4, 8)))
  }
  const memoryN = envInt('BENCH_MEMORY_N', 20000)
  if (memoryN === 0) skip(report, 'memory rows', 'BENCH_MEMORY_N=0')
  else collect(report, await measureMemory(SECRET, memoryN, envInt('BENCH_MEMORY_ROUNDS', 3)))

  await frameworks(extra.frameworksServer, report)

  for (const s of suites) if (s.note) console.log(`\n${s.note}`)
  console.log(`\n(sink ${sink.n}${sink.last === undefined ? '' : ', last decoded kept'})`)
  core.signer.close()
}

async function frameworks(serverScript: string | undefined, report: Report): Promise<void> {
  const rounds = envInt('BENCH_FRAMEWORK_ROUNDS', 4)
  if (rounds === 0) return skip(report, 'framework rows', 'BENCH_FRAMEWORK_ROUNDS=0')
  if (serverScript === undefined) return skip(report, 'framework rows', NO_SCRIPT)
  collect(report, await measureFrameworks(childOptions(serverScript, rounds, 'FRAMEWORK', 4, 8)))
}
