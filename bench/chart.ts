// The benchmark chart: one horizontal bar per row of bench/results.json, its length proportional
// to the row's advantage (times in our favour: theirs/ours for times, bytes and round trips,
// ours/theirs for requests per second; see bench/results.ts), on one linear scale so bars compare
// by eye; the number is printed beside each bar. A tick marks a row's target, a dashed line 1x
// (even). The machine, the Node version and the date are in the header, as is any setting that
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
/** Length of a bar at the top of the scale. */
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

/** The scale's top: the largest advantage or target drawn (at least 1x). */
export function scaleMax(rows: ResultRow[]): number {
  let max = 1
  for (const r of rows) {
    for (const x of [advantage(r), targetAdvantage(r)]) if (x !== undefined && Number.isFinite(x) && x > max) max = x
  }
  return max
}

export function renderChart(results: Results): string {
  if (results === null || typeof results !== 'object' || !Array.isArray(results.rows) || typeof results.machine !== 'object') {
    throw new TypeError('results is invalid: expected the object of bench/results.json (machine, node, date, rows)')
  }
  const rows = results.rows
  const max = scaleMax(rows)
  const x = (v: number) => BAR_X + (v / max) * BAR_MAX

  const header: string[] = []
  let y = 28
  header.push(text(LABEL_X, y, 'simplesessions benchmarks: times in our favour (longer is better)', 'font-size="17" font-weight="bold"'))
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
    if (Number.isFinite(adv) && adv >= 0) {
      const w = (adv / max) * BAR_MAX
      body.push(`<rect class="bar ${kind}" x="${BAR_X}" y="${num(mid - BAR_H / 2)}" width="${num(w)}" height="${BAR_H}" fill="${COLOR[kind]}"/>`)
      body.push(text(Math.max(end, BAR_X + w) + 6, mid + 4, `${adv.toFixed(2)}x`))
    } else {
      body.push(text(end + 6, mid + 4, 'n/a'))
    }
    body.push('</g>')
    y += ROW_H
  }
  const bottom = y + 6
  body.push(`<line class="one" x1="${num(x(1))}" x2="${num(x(1))}" y1="${num(top + 14)}" y2="${num(bottom)}" stroke="#555" stroke-dasharray="4 3"/>`)
  body.push(text(x(1), top + 10, '1x', 'font-size="10" text-anchor="middle" fill="#555"'))

  y = bottom + 20
  const legend = [
    `<rect x="${LABEL_X}" y="${y - 10}" width="10" height="10" fill="${COLOR.pass}"/>`,
    text(LABEL_X + 14, y, 'target met'),
    `<rect x="${LABEL_X + 90}" y="${y - 10}" width="10" height="10" fill="${COLOR.fail}"/>`,
    text(LABEL_X + 104, y, 'target missed'),
    `<rect x="${LABEL_X + 200}" y="${y - 10}" width="10" height="10" fill="${COLOR.none}"/>`,
    text(LABEL_X + 214, y, 'no target'),
    text(LABEL_X + 300, y, '| target · dashed line: 1x (even) · one linear scale'),
  ]
  y += 18
  legend.push(
    text(
      LABEL_X,
      y,
      'Bar: theirs/ours for ns/op, bytes and round trips; ours/theirs for req/s. HTTP "vs same server, no sessions" is the cost of sessions, not a rival.',
      'font-size="11" fill="#555"',
    ),
  )
  const height = y + 14

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(`simplesessions benchmarks, ${describeRun(results)}`)}</title>`,
    `<rect width="${WIDTH}" height="${num(height)}" fill="#fff"/>`,
    ...header,
    ...body,
    ...legend,
    '</svg>',
    '',
  ].join('\n')
}
