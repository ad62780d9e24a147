// The benchmark chart: one horizontal bar per row of bench/results.json, from the 1x line (even)
// to the row's advantage (times in our favour: theirs/ours for times, bytes and round trips,
// ours/theirs for requests per second; see bench/results.ts), on one logarithmic scale: the
// ratios run from under 1x to about 100x (the sealed-cookie rows), and on a linear scale every
// other bar was a sliver. On a log scale 2x and 0.5x are bars of one length on either side of
// the 1x line, so a bar's length is the size of the win or loss however large. The number is
// printed beside each bar; a tick marks a row's target, and labelled grid lines mark the scale. The machine, the Node version and the date are in the header, as is any setting that
// makes the run not the default one.
//
// Plain SVG 1.1 text, no script, no external font or stylesheet: it renders the same in a README
// on GitHub, in a browser and in an image viewer. Every string from the results is escaped.
// `npm run bench:chart` (build/bench-chart.mjs) writes it to docs/bench.svg.

import { advantage, describeRun, fmtRatio, settingsLine, targetAdvantage, type ResultRow, type Results, type Section } from './results'

const WIDTH = 1000
const LABEL_X = 16
/** Labels longer than this are cut with an ellipsis; the full text is the bar's tooltip. */
const LABEL_CHARS = 80
/** Header lines are wrapped at spaces to this many characters. */
const LINE_CHARS = 120
const BAR_X = 580
/** Width of the whole scale, from its smallest value to its largest. */
export const BAR_MAX = 320
const ROW_H = 22
const BAR_H = 14
const SECTION_H = 28
const COLOR = { pass: '#2e7d32', fail: '#c62828', none: '#1565c0' } as const

const SECTION_TITLE: Record<Section, string> = {
  micro: 'Micro-benchmarks (ns/op)',
  http: 'HTTP, memory store (req/s)',
  redis: 'HTTP, Redis store',
  memory: 'Memory per stored session',
  frameworks: 'Frameworks (req/s)',
}

/** Text and attribute values: XML specials escaped, control characters dropped (XML forbids them). */
export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
}

const num = (x: number): string => String(Math.round(x * 100) / 100)

const cut = (s: string): string => (s.length <= LABEL_CHARS ? s : `${s.slice(0, LABEL_CHARS - 1)}…`)

function wrap(s: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of s.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > LINE_CHARS) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  return [...lines, line]
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(s)}</text>`
}

export function rowLabel(r: Pick<ResultRow, 'measure' | 'theirsName'>): string {
  return `${r.measure} vs ${r.theirsName}`
}

/** The scale's ends: the smallest and largest advantage or target drawn, 1x always inside. */
export function scaleRange(rows: ResultRow[]): { min: number; max: number } {
  let min = 1
  let max = 1
  for (const r of rows) {
    for (const x of [advantage(r), targetAdvantage(r)]) {
      if (x === undefined || !Number.isFinite(x) || x <= 0) continue
      if (x > max) max = x
      if (x < min) min = x
    }
  }
  // A scale of one point (every row at 1x) still needs a width.
  if (max === min) max = min * 2
  return { min, max }
}

/** Grid values on a 1-2-5 progression within the scale. */
function gridValues(min: number, max: number): number[] {
  const out: number[] = []
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e
      if (v >= min && v <= max) out.push(Number(v.toPrecision(1)))
    }
  }
  return out
}

export function renderChart(results: Results): string {
  if (results === null || typeof results !== 'object' || !Array.isArray(results.rows) || typeof results.machine !== 'object') {
    throw new TypeError('results is invalid: expected the object of bench/results.json (machine, node, date, rows)')
  }
  const rows = results.rows
  const { min, max } = scaleRange(rows)
  const x = (v: number) => BAR_X + ((Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min))) * BAR_MAX

  const header: string[] = []
  let y = 28
  header.push(text(LABEL_X, y, 'simplesessions benchmarks: times in our favour (right of the 1x line is better)', 'font-size="17" font-weight="bold"'))
  y += 22
  header.push(text(LABEL_X, y, describeRun(results), 'class="machine"'))
  const settings = settingsLine(results)
  const warnings = [...(settings === undefined ? [] : [settings]), ...results.skipped.map((s) => `Not measured: ${s}`)]
  for (const line of warnings.flatMap(wrap)) {
    y += 18
    header.push(text(LABEL_X, y, line, `fill="${COLOR.fail}"`))
  }
  y += 12
  const top = y

  const body: string[] = []
  let section: Section | undefined
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section
      y += SECTION_H
      body.push(text(LABEL_X, y - 8, SECTION_TITLE[section] ?? section, 'font-weight="bold"'))
    }
    const mid = y + ROW_H / 2
    const label = rowLabel(r)
    const adv = advantage(r)
    const kind = r.pass === null ? 'none' : r.pass ? 'pass' : 'fail'
    body.push(`<g class="row"><title>${escapeXml(`${label}: ${fmtRatio(r)} (${r.ratioOf})`)}</title>`)
    body.push(text(LABEL_X + 8, mid + 4, cut(label)))
    // The number goes right of the bar, the target tick and the 1x line, whichever ends last.
    let end = x(1)
    const t = targetAdvantage(r)
    if (t !== undefined && Number.isFinite(t)) {
      body.push(`<line class="target" x1="${num(x(t))}" x2="${num(x(t))}" y1="${num(mid - BAR_H / 2 - 3)}" y2="${num(mid + BAR_H / 2 + 3)}" stroke="#000" stroke-width="2"/>`)
      end = Math.max(end, x(t))
    }
    if (Number.isFinite(adv) && adv > 0) {
      const from = Math.min(x(1), x(adv))
      const w = Math.abs(x(adv) - x(1))
      body.push(`<rect class="bar ${kind}" x="${num(from)}" y="${num(mid - BAR_H / 2)}" width="${num(w)}" height="${BAR_H}" fill="${COLOR[kind]}"/>`)
      body.push(text(Math.max(end, x(adv)) + 6, mid + 4, `${adv.toFixed(2)}x`))
    } else {
      body.push(text(end + 6, mid + 4, 'n/a'))
    }
    body.push('</g>')
    y += ROW_H
  }
  const bottom = y + 6
  // Grid lines go under the bars.
  const grid: string[] = []
  for (const v of gridValues(min, max)) {
    if (v !== 1) grid.push(`<line class="grid" x1="${num(x(v))}" x2="${num(x(v))}" y1="${num(top + 14)}" y2="${num(bottom)}" stroke="#ddd"/>`)
    grid.push(text(x(v), top + 10, `${v}x`, 'font-size="10" text-anchor="middle" fill="#555"'))
  }
  body.push(`<line class="one" x1="${num(x(1))}" x2="${num(x(1))}" y1="${num(top + 14)}" y2="${num(bottom)}" stroke="#555" stroke-dasharray="4 3"/>`)

  y = bottom + 20
  const legend = [
    `<rect x="${LABEL_X}" y="${y - 10}" width="10" height="10" fill="${COLOR.pass}"/>`,
    text(LABEL_X + 14, y, 'target met'),
    `<rect x="${LABEL_X + 90}" y="${y - 10}" width="10" height="10" fill="${COLOR.fail}"/>`,
    text(LABEL_X + 104, y, 'target missed'),
    `<rect x="${LABEL_X + 200}" y="${y - 10}" width="10" height="10" fill="${COLOR.none}"/>`,
    text(LABEL_X + 214, y, 'no target'),
    text(LABEL_X + 300, y, '| target · dashed line: 1x (even) · log scale: a bar left of it is a loss'),
  ]
  y += 18
  legend.push(
    text(
      LABEL_X,
      y,
      'Bar: theirs/ours for ns/op, bytes and round trips; ours/theirs for req/s. HTTP "vs bare node:http" is the cost of sessions, not a rival.',
      'font-size="11" fill="#555"',
    ),
  )
  const height = y + 14

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(`simplesessions benchmarks, ${describeRun(results)}`)}</title>`,
    `<rect width="${WIDTH}" height="${num(height)}" fill="#fff"/>`,
    ...header,
    ...grid,
    ...body,
    ...legend,
    '</svg>',
    '',
  ].join('\n')
}
