// Time from `import` of the built package to its first verify, in fresh processes: each child
// records performance.now() before `await import(dist/index.js)`, after it, after constructing
// a Signer, and after verifying a value signed in the parent with the same secret. Then the
// verifies that follow, timed together: the next 99 and the 900 after them, the same value each
// time. A cold process runs them before the engine has optimized the code (JS and WASM), so
// these columns show what an import-time warm-up could buy, and what skipping one costs
// (docs/cold-start.md).

import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { assert, table } from './harness'

interface Sample {
  ok: boolean
  load: number
  construct: number
  verify: number
  total: number
  sinceStart: number
  next99: number
  next900: number
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2
}

export function measureStartup(distIndex: string, secret: string, sample: { id: string; value: string }, n: number): string {
  const value = JSON.stringify(sample.value)
  const code = `
const t0 = performance.now()
const m = await import(${JSON.stringify(pathToFileURL(distIndex).href)})
const t1 = performance.now()
const s = new m.Signer([${JSON.stringify(secret)}])
const t2 = performance.now()
const r = s.verify(${value})
const t3 = performance.now()
let good = 0
for (let i = 0; i < 99; i++) if (s.verify(${value})) good++
const t4 = performance.now()
for (let i = 0; i < 900; i++) if (s.verify(${value})) good++
const t5 = performance.now()
console.log(JSON.stringify({ ok: r?.id === ${JSON.stringify(sample.id)} && r.key === 0 && good === 999,
  load: t1 - t0, construct: t2 - t1, verify: t3 - t2, total: t3 - t0, sinceStart: t3, next99: t4 - t3, next900: t5 - t4 }))
`
  const runs: Sample[] = []
  for (let i = 0; i < n; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
    const s = JSON.parse(out) as Sample
    assert(s.ok, `child ${i} did not verify the values: ${out}`)
    runs.push(s)
  }
  const ms = (k: keyof Omit<Sample, 'ok'>) => `${median(runs.map((r) => r[k])).toFixed(2)} ms`
  const each = (k: 'next99' | 'next900', count: number) => `${ms(k)} (${((median(runs.map((r) => r[k])) * 1e6) / count).toFixed(0)} ns each)`
  return table(
    ['import → first verify (fresh process, median of ' + n + ')', 'import (load + wasm compile/instantiate)', 'new Signer', 'first verify', 'process start → first verify', 'verifies 2–100', 'verifies 101–1000'],
    [[ms('total'), ms('load'), ms('construct'), ms('verify'), ms('sinceStart'), each('next99', 99), each('next900', 900)]],
  )
}
