// `npm run bench:chart`: draws the results of `npm run bench` as an SVG bar chart (bench/chart.ts)
// with plain Node: no browser, no charting package. esbuild (the build's own bundler) only
// turns bench/chart.ts into JavaScript, into build/out/bench-chart.mjs.
//
//   node build/bench-chart.mjs [results.json] [chart.svg]   (bench/results.json, docs/bench.svg)
//
// docs/bench.svg is committed (the README embeds it), from the same quiet-machine run as
// bench/results.json: a chart is only ever drawn from a results file, never edited by hand.
import * as esbuild from 'esbuild'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const input = resolve(process.argv[2] ?? join(root, 'bench/results.json'))
const output = resolve(process.argv[3] ?? join(root, 'docs/bench.svg'))
const outfile = join(root, 'build/out/bench-chart.mjs')

await esbuild.build({
  entryPoints: [join(root, 'bench/chart.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile,
  logLevel: 'warning',
})
const { renderChart } = await import(pathToFileURL(outfile).href)

let results
try {
  results = JSON.parse(readFileSync(input, 'utf8'))
} catch (e) {
  console.error(`cannot read ${input}: ${e instanceof Error ? e.message : String(e)} (run \`npm run bench\` first)`)
  process.exit(1)
}
mkdirSync(dirname(output), { recursive: true })
writeFileSync(output, renderChart(results))
console.log(`${output}: ${results.rows.length} rows`)
