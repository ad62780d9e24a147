// `npm run bench`: builds everything (node build/build.mjs), bundles bench/ with esbuild into
// build/out/bench.mjs (src/ bundled in, node_modules packages left external) and runs it with
// --expose-gc. Environment: BENCH_RUNS, BENCH_TIME_MS, BENCH_WARMUP_MS,
// BENCH_STARTUP_N, BENCH_HTTP_*, BENCH_MEMORY_* (see bench/main.ts); BENCH_NO_BUILD=1 skips the
// build step. bench/http-server.ts is bundled on its own into build/out/http-server.mjs: the HTTP
// rows run it in child processes; bench/redis-server-child.ts likewise into
// build/out/redis-server.mjs for the Redis HTTP rows (BENCH_REDIS_*), and
// bench/frameworks-server.ts into build/out/frameworks-server.mjs for the framework rows
// (BENCH_FRAMEWORK_*; BENCH_ONLY=frameworks runs them alone). The run writes results.json and
// results.md into BENCH_OUT (default bench/); `npm run bench:chart` draws the chart from them.
import * as esbuild from 'esbuild'
import { execFileSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// The run's duration in bench/results.json counts the build: the budget is for the whole command.
const startedAt = Date.now()
const run = (args) => {
  try {
    execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  } catch (e) {
    // The child already printed its error; exit with its status, without a second stack trace.
    process.exit(typeof e.status === 'number' && e.status !== 0 ? e.status : 1)
  }
}

if (!process.env.BENCH_NO_BUILD) run([join(root, 'build/build.mjs')])

const distIndex = join(root, 'dist/index.js')
const outfile = join(root, 'build/out/bench.mjs')
// The HTTP rows' server, run by bench/http.bench.ts in child processes.
const httpServer = join(root, 'build/out/http-server.mjs')
// The Redis HTTP rows' server, run by bench/redis.bench.ts in child processes.
const redisServer = join(root, 'build/out/redis-server.mjs')
// The framework rows' servers, run by bench/frameworks.bench.ts in child processes.
const frameworksServer = join(root, 'build/out/frameworks-server.mjs')
// results.json and results.md: committed from a default run on a quiet machine (bench/README.md).
const out = resolve(process.env.BENCH_OUT || join(root, 'bench'))
// A generated entry: bench/main.ts gets the codec as an argument (bench/codec.bench.ts compares it).
const entry = [
  `import { main } from './bench/main'`,
  `import * as codec from './src/codec'`,
  `await main(codec, ${JSON.stringify(distIndex)}, { httpServer: ${JSON.stringify(httpServer)}, redisServer: ${JSON.stringify(redisServer)}, frameworksServer: ${JSON.stringify(frameworksServer)}, out: ${JSON.stringify(out)}, startedAt: ${startedAt} })`,
].join('\n')

await esbuild.build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'bench-entry.ts', loader: 'ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  outfile,
  logLevel: 'warning',
})
await esbuild.build({
  entryPoints: [join(root, 'bench/http-server.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  outfile: httpServer,
  logLevel: 'warning',
})
for (const [entry, out] of [
  ['bench/redis-server-child.ts', redisServer],
  ['bench/frameworks-server.ts', frameworksServer],
]) {
  await esbuild.build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    outfile: out,
    logLevel: 'warning',
  })
}
run(['--expose-gc', outfile])
