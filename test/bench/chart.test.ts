// The benchmark chart (bench/chart.ts) on a small made-up results object: the SVG is well-formed
// XML whatever the strings in it, each bar's length is proportional to the log of its row's advantage, and
// bars, targets and verdicts follow the rows. No benchmark runs here.

import { describe, expect, it } from 'vitest'
import { BAR_MAX, escapeXml, renderChart, rowLabel } from '../../bench/chart'
import { advantage, resultRow, type Results } from '../../bench/results'
import { micro, sample } from './sample'

/**
 * Checks that `xml` is well-formed for the subset an SVG of ours uses (elements, double-quoted
 * attributes, text, the five entities and numeric references): one root, every tag closed in
 * order, no raw `<` or stray `&` in text or attribute values. Returns the root's name.
 */
function wellFormed(xml: string): string {
  const entity = /^&(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/
  const checkText = (s: string, where: string) => {
    for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) {
      if (!entity.test(s.slice(i))) throw new Error(`stray & in ${where}: ${s.slice(i, i + 20)}`)
    }
  }
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(xml)
  if (control) throw new Error(`a character XML 1.0 forbids: U+${control[0].charCodeAt(0).toString(16)}`)
  const stack: string[] = []
  let root: string | undefined
  let i = 0
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const textEnd = lt === -1 ? xml.length : lt
    const between = xml.slice(i, textEnd)
    if (stack.length === 0 && between.trim() !== '') throw new Error(`text outside the root: ${between.slice(0, 40)}`)
    checkText(between, 'text')
    if (lt === -1) break
    const m = /^<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/.exec(xml.slice(lt))
    if (!m) throw new Error(`not a tag at ${lt}: ${xml.slice(lt, lt + 40)}`)
    const [tag, close, name, attrs, selfClose] = m as unknown as [string, string, string, string, string]
    checkText(attrs, `attributes of <${name}>`)
    const names = [...attrs.matchAll(/([\w:.-]+)="/g)].map((a) => a[1])
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}>`)
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes nothing open`)
    } else {
      if (stack.length === 0) {
        if (root !== undefined) throw new Error(`a second root <${name}>`)
        root = name
      }
      if (!selfClose) stack.push(name)
    }
    i = lt + tag.length
  }
  if (stack.length !== 0) throw new Error(`unclosed <${stack.join('> <')}>`)
  if (root === undefined) throw new Error('no root element')
  return root
}

const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? '')

/** Text content of every <text> element, unescaped. */
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1] ?? ''))

const bars = (svg: string) =>
  [...svg.matchAll(/<rect class="bar (pass|fail|none)" x="([\d.]+)"[^>]* width="([\d.]+)"/g)].map((m) => ({ kind: m[1], x: Number(m[2]), width: Number(m[3]) }))

describe('the well-formedness check of this suite', () => {
  it('rejects what the chart must never produce', () => {
    expect(wellFormed('<svg><text>a</text></svg>')).toBe('svg')
    expect(() => wellFormed('<svg><text>a < b</text></svg>')).toThrow()
    expect(() => wellFormed('<svg><text>a & b</text></svg>')).toThrow()
    expect(() => wellFormed('<svg><g x="a"b"></g></svg>')).toThrow()
    expect(() => wellFormed('<svg><g></svg>')).toThrow()
    expect(() => wellFormed('<svg/><svg/>')).toThrow()
    expect(() => wellFormed('<svg><text>a\u0007</text></svg>')).toThrow()
  })
})

describe('renderChart', () => {
  it('is a well-formed SVG document with the machine, Node version and date', () => {
    const svg = renderChart(sample())
    expect(wellFormed(svg)).toBe('svg')
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    const t = texts(svg).join('\n')
    expect(t).toContain('Example <CPU> & "Co" 3.0GHz (2 cores, 8 GiB)')
    expect(t).toContain('Node v20.20.2')
    expect(t).toContain('2026-12-06')
  })

  it('escapes every string from the results, in text and in tooltips', () => {
    const r = sample()
    r.rows[0] = { ...r.rows[0]!, measure: '</text><script>alert(1)</script>', theirsName: 'a&b' }
    r.skipped = ['Redis HTTP rows: <none> & "gone"']
    r.settings = { BENCH_HTTP_ROUNDS: '0&<', BENCH_X: 'a\u0007b' }
    const svg = renderChart(r)
    expect(wellFormed(svg)).toBe('svg')
    expect(svg).not.toContain('<script')
    expect(texts(svg)).toContain(rowLabel(r.rows[0]!))
    expect(svg).toContain(`<title>${escapeXml(rowLabel(r.rows[0]!))}`)
    expect(texts(svg).join('\n')).toContain('Not measured: Redis HTTP rows: <none> & "gone"')
    expect(texts(svg).join('\n')).toContain('Not the default run: BENCH_HTTP_ROUNDS=0&<')
  })

  it('wraps a long settings line at spaces instead of running off the image', () => {
    const r = sample()
    r.settings = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`BENCH_KNOB_${i}`, '12345']))
    const t = texts(renderChart(r))
    const first = t.findIndex((l) => l.startsWith('Not the default run: '))
    expect(first).toBeGreaterThan(-1)
    const whole = `Not the default run: ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`
    const lines: string[] = []
    for (let i = first; lines.join(' ').length < whole.length; i++) lines.push(t[i] ?? '')
    expect(lines.length).toBeGreaterThan(1)
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120)
    expect(lines.join(' ')).toBe(whole)
  })

  it('draws one bar per row from the 1x line, its length proportional to the log of the advantage', () => {
    const r = sample()
    const svg = renderChart(r)
    const b = bars(svg)
    const adv = r.rows.map(advantage)
    expect(adv).toEqual([4.5, 1.5, 1.2, 0.9, 4, 1.5])
    expect(b).toHaveLength(r.rows.length)
    const perLog = b[0]!.width / Math.log(adv[0]!)
    for (let i = 0; i < b.length; i++) expect(b[i]!.width).toBeCloseTo(Math.abs(Math.log(adv[i]!)) * perLog, 1)
    // The scale runs from the smallest advantage (0.9x) to the verify row's target (5x).
    expect(perLog).toBeCloseTo(BAR_MAX / (Math.log(5) - Math.log(0.9)), 1)
    // A loss (0.9x) ends at the 1x line; a win starts there.
    const one = Number(/<line class="one" x1="([\d.]+)"/.exec(svg)![1])
    expect(b[3]!.x + b[3]!.width).toBeCloseTo(one, 1)
    expect(b[0]!.x).toBeCloseTo(one, 1)
    expect(texts(svg)).toEqual(expect.arrayContaining(['4.50x', '1.50x', '1.20x', '0.90x', '4.00x', '1x', '2x']))
  })

  it('colours bars by verdict and marks only targets that bound the ratio', () => {
    const svg = renderChart(sample())
    expect(bars(svg).map((x) => x.kind)).toEqual(['pass', 'fail', 'none', 'pass', 'pass', 'pass'])
    // sign (4x), verify (5x), HTTP (0.9x), memory (<= 0.5 ours/theirs: 2x in our favour); not
    // the round-trip row, whose target bounds our own count.
    expect(svg.match(/<line class="target"/g)).toHaveLength(4)
  })

  it('leaves out the bar of a row without a number, and refuses what is not a results object', () => {
    const r = sample()
    r.rows = [resultRow(micro('no measurement', Number.NaN, 10, 2))]
    const svg = renderChart(r)
    expect(wellFormed(svg)).toBe('svg')
    expect(bars(svg)).toHaveLength(0)
    expect(texts(svg)).toContain('n/a')
    expect(() => renderChart({} as Results)).toThrow(TypeError)
  })
})
