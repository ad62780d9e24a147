// The benchmark's results as data: every comparison row of one `npm run bench` (ours, theirs,
// ratio, target, met), with the machine, the Node version and the date, written as
// bench/results.json and bench/results.md; bench/chart.ts draws the JSON.
//
// Each section computes its rows here, once: its console table, the Markdown and the chart read
// the same ratio and verdict. A ratio is oriented as its section prints it (theirs/ours for
// times, bytes and round trips; ours/theirs for requests per second and, in the memory row,
// bytes), and `better` says which direction favours us; `advantage` turns it into "times in our
// favour" (above 1: ours is better), which is what the chart draws.
//
// This module imports nothing at run time, so the chart script bundles it without the bench.

export type Section = 'micro' | 'http' | 'redis' | 'memory' | 'frameworks'

export interface Target {
  op: '>=' | '<='
  value: number
  /** What the target bounds: the ratio, or our own number (e.g. round trips per request). */
  of: 'ratio' | 'ours'
}

export interface ResultRow {
  section: Section
  measure: string
  /** Unit of `ours` and `theirs`, e.g. "ns/op", "req/s", "bytes/session". */
  unit: string
  ours: number
  theirs: number
  /** What "theirs" is: a library, or a baseline such as "same server, no sessions". */
  theirsName: string
  ratio: number
  ratioOf: 'theirs/ours' | 'ours/theirs'
  /** Which way of the ratio favours us. */
  better: 'higher' | 'lower'
  target: Target | null
  /** Whether the target is met; null without a target. */
  pass: boolean | null
  /**
   * Rows measured over HTTP: the server's CPU time per request, µs, on each side (median over
   * rounds). Less sensitive than req/s to what else the machine runs; ours minus theirs is what
   * the session costs a request.
   */
  serverCpuUs?: { ours: number; theirs: number }
}

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
}

export interface Results {
  machine: Machine
  /** process.version */
  node: string
  /** ISO 8601, when `npm run bench` started. */
  date: string
  /** Wall-clock seconds of the whole `npm run bench`, build included. */
  seconds: number
  /** BENCH_* variables that changed what was measured; empty for a default run. */
  settings: Record<string, string>
  /** Sections that produced no rows, each with the reason. */
  skipped: string[]
  rows: ResultRow[]
}

export type RowInput = Omit<ResultRow, 'ratio' | 'pass' | 'target'> & { target?: Target }

export function resultRow(r: RowInput): ResultRow {
  const ratio = r.ratioOf === 'theirs/ours' ? r.theirs / r.ours : r.ours / r.theirs
  const target = r.target ?? null
  let pass: boolean | null = null
  if (target !== null) {
    const x = target.of === 'ratio' ? ratio : r.ours
    pass = target.op === '>=' ? x >= target.value : x <= target.value
  }
  return { ...r, ratio, target, pass }
}

/** Times in our favour: the ratio, or its inverse when a lower ratio favours us. */
export function advantage(r: Pick<ResultRow, 'ratio' | 'better'>): number {
  return r.better === 'higher' ? r.ratio : 1 / r.ratio
}

/** The target in the same orientation as `advantage`, when it bounds the ratio. */
export function targetAdvantage(r: Pick<ResultRow, 'target' | 'better'>): number | undefined {
  if (r.target === null || r.target.of !== 'ratio') return undefined
  return r.better === 'higher' ? r.target.value : 1 / r.target.value
}

export function fmtValue(x: number, unit: string): string {
  if (!Number.isFinite(x)) return 'n/a'
  if (unit === 'ns/op') return x < 100 ? x.toFixed(1) : x.toFixed(0)
  if (unit === 'round trips/request') return x.toFixed(2)
  return Math.round(x).toLocaleString('en-US')
}

export const fmtRatio = (r: ResultRow): string => (Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : 'n/a')

export function fmtTarget(r: ResultRow): string {
  if (r.target === null) return '—'
  return r.target.of === 'ratio' ? `${r.target.op} ${r.target.value}x` : `ours ${r.target.op} ${r.target.value}`
}

export const fmtMet = (r: ResultRow): string => (r.pass === null ? '—' : r.pass ? 'yes' : '**NO**')

/** The cells of a section's summary table: measure | ours | theirs | ratio | target | met?. */
export function summaryCells(r: ResultRow): string[] {
  return [r.measure, fmtValue(r.ours, r.unit), `${fmtValue(r.theirs, r.unit)} (${r.theirsName})`, fmtRatio(r), fmtTarget(r), fmtMet(r)]
}

/** A Markdown table cell: no line breaks, pipes escaped. */
const cell = (s: string): string => s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** One line: CPU, cores, OS, Node, date. */
export function describeRun(r: Results): string {
  const m = r.machine
  return `${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${r.node}, ${r.date.slice(0, 10)}`
}

export function settingsLine(r: Results): string | undefined {
  const s = Object.entries(r.settings)
  return s.length === 0 ? undefined : `Not the default run: ${s.map(([k, v]) => `${k}=${v}`).join(' ')}`
}

/** A value with its unit, and the server CPU per request where the row has it. */
const valueCell = (row: ResultRow, side: 'ours' | 'theirs'): string =>
  `${fmtValue(row[side], row.unit)} ${row.unit}${row.serverCpuUs === undefined ? '' : `, server CPU ${row.serverCpuUs[side].toFixed(1)} µs/request`}`

export function resultsMarkdown(r: Results): string {
  const settings = settingsLine(r)
  return [
    '# Benchmark results',
    '',
    `${describeRun(r)}; the run took ${(r.seconds / 60).toFixed(1)} min (${r.date}).`,
    ...(settings === undefined ? [] : ['', `**${settings}**`]),
    ...(r.skipped.length === 0 ? [] : ['', ...r.skipped.map((s) => `- Not measured: ${s}`)]),
    '',
    mdTable(
      ['section', 'measure', 'ours', 'theirs', 'ratio', 'target', 'met?'],
      r.rows.map((row) => [
        row.section,
        row.measure,
        valueCell(row, 'ours'),
        `${valueCell(row, 'theirs')} (${row.theirsName})`,
        `${fmtRatio(row)} (${row.ratioOf}${row.better === 'lower' ? ', lower is better' : ''})`,
        fmtTarget(row),
        fmtMet(row),
      ]),
    ),
    '',
    'A ratio above 1 favours us unless it says lower is better. Methods and self-checks: the module comment of ' +
      'each bench/*.bench.ts; the console output of the run has the per-round detail.',
    '',
  ].join('\n')
}
