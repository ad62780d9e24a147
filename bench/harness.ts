// Shared benchmark plumbing: contenders run in one tinybench Bench so every ratio compares
// numbers taken in the same process, minutes apart at most.
//
// Each contender's function performs `batch` operations per call (an explicit loop written in
// the contender itself, so every loop stays monomorphic), and its result is the median latency
// of those calls divided by `batch`: single sub-microsecond calls would mostly measure the
// timer. Every operation feeds `sink` (or `keep`) so the engine cannot drop the work.

import { Bench } from 'tinybench'
import { fmtValue, mdTable, resultRow, summaryCells, type ResultRow } from './results'

/** Accumulates lengths of every result; printed at the end so nothing is dead code. */
export const sink = { n: 0, last: undefined as unknown }

export interface Contender {
  /** Unique task name, also shown in the context table. */
  name: string
  /** Operations performed by one call of `fn`. */
  batch: number
  fn: () => void
}

export interface Row {
  measure: string
  /** Task names of the two sides. */
  ours: string
  theirs: string
  /** Minimum theirs/ours ratio asked for, if any. */
  target?: number
  note?: string
}

export interface Suite {
  contenders: Contender[]
  rows: Row[]
  /** Task names shown on their own, for context. */
  context: string[]
  /** A line printed under the tables. */
  note?: string
}

/** What a section of HTTP or memory rows gives back: its console text and its result rows. */
export interface SectionResult {
  markdown: string
  rows: ResultRow[]
  /** Why the section measured nothing, when it did not. */
  skipped?: string
}

export interface RunOptions {
  timeMs: number
  warmupMs: number
  /** Reverses the task order (to expose order effects between runs). */
  reverse: boolean
}

export interface Measured {
  /** Median ns per operation. */
  ns: number
  /** Relative margin of error of the per-call mean, percent (for the reader's judgement). */
  rme: number
  samples: number
}

const gc = (globalThis as { gc?: () => void }).gc

/** Runs every contender once and returns median ns/op per task name. */
export async function measure(contenders: Contender[], opts: RunOptions): Promise<Map<string, Measured>> {
  const bench = new Bench({
    time: opts.timeMs,
    warmupTime: opts.warmupMs,
    warmup: true,
    throws: true,
    // A full collection before each task's warmup and run, so one task's garbage is not
    // collected on the next task's clock.
    setup: () => gc?.(),
  })
  const ordered = opts.reverse ? [...contenders].reverse() : contenders
  for (const c of ordered) bench.add(c.name, c.fn)
  await bench.run()
  const out = new Map<string, Measured>()
  for (const c of contenders) {
    const task = bench.getTask(c.name)
    const r = task?.result
    if (!r || (r.state !== 'completed' && r.state !== 'aborted-with-statistics')) {
      throw new Error(`task ${c.name} did not complete: ${r?.state}${r && 'error' in r ? ` (${String(r.error)})` : ''}`)
    }
    out.set(c.name, { ns: (r.latency.p50 * 1e6) / c.batch, rme: r.latency.rme, samples: r.latency.samplesCount })
  }
  return out
}

export const fmtNs = (ns: number): string => fmtValue(ns, 'ns/op')

/** Markdown tables, console and file alike. */
export const table = mdTable

/** A row's result from ns/op per task name (one run's, or medians over runs). */
export function microRow(r: Row, ns: (task: string) => number): ResultRow {
  return resultRow({
    section: 'micro',
    measure: r.measure,
    unit: 'ns/op',
    ours: ns(r.ours),
    theirs: ns(r.theirs),
    theirsName: r.theirs,
    ratioOf: 'theirs/ours',
    better: 'higher',
    ...(r.target === undefined ? {} : { target: { op: '>=', value: r.target, of: 'ratio' } }),
  })
}

/** The markdown table of rows: measure | ours | theirs | ratio | target | met?. */
export function rowsTable(rows: Row[], m: Map<string, Measured>): string {
  const ns = (name: string) => {
    const v = m.get(name)
    if (!v) throw new Error(`no measurement for ${name}`)
    return v.ns
  }
  return table(
    ['measure', 'ours (median ns/op)', 'theirs (median ns/op)', 'ratio (theirs/ours)', 'target', 'met?'],
    rows.map((r) => summaryCells(microRow(r, ns))),
  )
}

export function contextTable(names: string[], m: Map<string, Measured>): string {
  return table(
    ['context', 'median ns/op'],
    names.map((n) => [n, fmtNs(m.get(n)?.ns ?? NaN)]),
  )
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`bench self-check failed: ${message}`)
}
