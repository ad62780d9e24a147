// Entry of `npm run bench` (bundled by build/bench.mjs, which passes the module src/codec.ts in).
// Runs every contender BENCH_RUNS times (default 2) in this one process and prints one
// markdown table per run.
//
//   BENCH_RUNS=2  BENCH_TIME_MS=700  BENCH_WARMUP_MS=200  BENCH_STARTUP_N=10
//
// Then, once, the HTTP rows (bench/http.bench.ts; server children from bench/http-server.ts) and
// the memory rows (bench/memory.bench.ts):
//
//   BENCH_HTTP_ROUNDS=3 (0 skips)  BENCH_HTTP_SECONDS=5  BENCH_HTTP_WARMUP=1  BENCH_HTTP_CONNECTIONS=10
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

import { cpus } from 'node:os'
import { codecSuite } from './codec.bench'
import { coreSuite } from './core.bench'
import { cryptoSuite } from './crypto.bench'
import { cookieSuite } from './cookie.bench'
import { sealedSuite } from './sealed.bench'
import { contextTable, measure, rowsTable, sink, type Suite } from './harness'
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

export async function main(codec: unknown, distIndex: string, extra: { httpServer?: string; redisServer?: string; frameworksServer?: string } = {}): Promise<void> {
  const only = process.env.BENCH_ONLY ?? ''
  if (only !== '' && only !== 'frameworks') throw new Error(`BENCH_ONLY must be "frameworks" or unset, got ${only}`)
  if (only === 'frameworks') return frameworks(extra.frameworksServer)
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
  if (typeof codecOrSkip === 'string') console.log(`codec rows SKIPPED: ${codecOrSkip}`)
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
  for (let run = 1; run <= runs; run++) {
    const reverse = run % 2 === 0
    const t = performance.now()
    const m = await measure(contenders, { timeMs, warmupMs, reverse })
    console.log(`\n### run ${run} of ${runs} (${reverse ? 'tasks in reverse order' : 'tasks in order'}, ${((performance.now() - t) / 1000).toFixed(1)} s)\n`)
    console.log(rowsTable(rows, m))
    console.log()
    console.log(contextTable(context, m))
    if (startupN > 0) {
      console.log()
      console.log(measureStartup(distIndex, SECRET, core.sample, startupN))
    }
  }

  const httpRounds = envInt('BENCH_HTTP_ROUNDS', 3)
  if (httpRounds > 0) {
    if (extra.httpServer === undefined) console.log('\nHTTP rows SKIPPED: no server script (run through build/bench.mjs)')
    else {
      const nodeArgs = (process.env.BENCH_HTTP_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')
      console.log(
        `\n${await measureHttp({
          serverScript: extra.httpServer,
          secret: SECRET,
          rounds: httpRounds,
          seconds: envInt('BENCH_HTTP_SECONDS', 5),
          warmupSeconds: envInt('BENCH_HTTP_WARMUP', 1),
          connections: envInt('BENCH_HTTP_CONNECTIONS', 10),
          nodeArgs,
        })}`,
      )
    }
  }
  const redisRounds = envInt('BENCH_REDIS_ROUNDS', 3)
  if (redisRounds > 0) {
    if (extra.redisServer === undefined) console.log('\nRedis HTTP rows SKIPPED: no server script (run through build/bench.mjs)')
    else {
      console.log(
        `\n${await measureRedisHttp({
          serverScript: extra.redisServer,
          secret: SECRET,
          rounds: redisRounds,
          seconds: envInt('BENCH_REDIS_SECONDS', 4),
          warmupSeconds: envInt('BENCH_REDIS_WARMUP', 1),
          connections: envInt('BENCH_HTTP_CONNECTIONS', 10),
          nodeArgs: (process.env.BENCH_HTTP_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
        })}`,
      )
    }
  }
  const memoryN = envInt('BENCH_MEMORY_N', 20000)
  if (memoryN > 0) console.log(`\n${await measureMemory(SECRET, memoryN, envInt('BENCH_MEMORY_ROUNDS', 3))}`)

  await frameworks(extra.frameworksServer)

  for (const s of suites) if (s.note) console.log(`\n${s.note}`)
  console.log(`\n(sink ${sink.n}${sink.last === undefined ? '' : ', last decoded kept'})`)
  core.signer.close()
}

async function frameworks(serverScript: string | undefined): Promise<void> {
  const rounds = envInt('BENCH_FRAMEWORK_ROUNDS', 4)
  if (rounds === 0) return
  if (serverScript === undefined) return console.log('\nFramework rows SKIPPED: no server script (run through build/bench.mjs)')
  console.log(
    `\n${await measureFrameworks({
      serverScript,
      secret: SECRET,
      rounds,
      seconds: envInt('BENCH_FRAMEWORK_SECONDS', 4),
      warmupSeconds: envInt('BENCH_FRAMEWORK_WARMUP', 1),
      connections: envInt('BENCH_HTTP_CONNECTIONS', 8),
      nodeArgs: (process.env.BENCH_HTTP_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
    })}`,
  )
}
