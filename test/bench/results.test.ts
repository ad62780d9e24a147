// The rows of bench/results.json (bench/results.ts): each ratio and verdict in the orientation of
// its section, and the Markdown table of bench/results.md.

import { describe, expect, it } from 'vitest'
import { resultRow, resultsMarkdown } from '../../bench/results'
import { micro, sample } from './sample'

describe('results', () => {
  it('computes each ratio and verdict in the orientation of its section', () => {
    const [sign, verify, parse, http, memory, trips] = sample().rows
    expect([sign!.ratio, sign!.pass]).toEqual([4.5, true])
    expect([verify!.ratio, verify!.pass]).toEqual([1.5, false])
    expect([parse!.ratio, parse!.target, parse!.pass]).toEqual([1.2, null, null])
    expect([http!.ratio, http!.pass]).toEqual([0.9, true])
    expect([memory!.ratio, memory!.pass]).toEqual([0.25, true])
    expect([trips!.ratio, trips!.pass]).toEqual([2 / 3, true])
    expect(resultRow({ ...micro('x', 1, 1), section: 'redis', unit: 'round trips/request', ratioOf: 'ours/theirs', better: 'lower', target: { op: '<=', value: 2, of: 'ours' }, ours: 3 }).pass).toBe(false)
  })

  it('writes one Markdown table row per result, with pipes in names escaped', () => {
    const md = resultsMarkdown(sample())
    const tableLines = md.split('\n').filter((l) => l.startsWith('| '))
    expect(tableLines).toHaveLength(2 + sample().rows.length)
    for (const l of tableLines) expect(l.split(/(?<!\\)\|/).length - 2).toBe(7)
    expect(md).toContain('parse \\| the header')
    expect(md).toContain('| 4.50x (theirs/ours) | >= 4x | yes |')
    expect(md).toContain('| 0.25x (ours/theirs, lower is better) | <= 0.5x | yes |')
    expect(md).toContain('| 9,000 req/s, server CPU 20.0 µs/request | 10,000 req/s, server CPU 13.6 µs/request (same server, no sessions) |')
    expect(md).toContain('| 400 bytes/session | 1,600 bytes/session (express-session MemoryStore) |')
    expect(md).toContain('| ours <= 2 | yes |')
    expect(md).not.toContain('Not the default run')
    expect(resultsMarkdown({ ...sample(), settings: { BENCH_RUNS: '1' } })).toContain('**Not the default run: BENCH_RUNS=1**')
  })
})
