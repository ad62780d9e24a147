// The README's Runtimes table: made from a run of the matrix, and found between two markers in
// README.md, so that the run can check the table says what it found, or rewrite it.

const START = '<!-- runtimes table: made by npm run test:runtimes -- --write-readme -->'
const END = '<!-- end of runtimes table -->'

/** What a note code from the suite means for a user. */
const NOTES = {
  'cookie-header-forbidden': '`new Request` drops a `Cookie` header (a forbidden header name): build the request with a `Headers` of your own',
  'hono-set-cookie-forbidden': 'a `Response` made by a script drops `Set-Cookie` (a forbidden response header), as a Hono app here shows: `adapters/hono` is deliberately not offered under `browser`, its cookie could never leave',
}

const cell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** The table for rows of { name, tableVersion, imports, notes, result }. */
export function tableOf(rows) {
  const lines = ['| Runtime | Version tested | How it imports the package | Notes | Result |', '| --- | --- | --- | --- | --- |']
  for (const r of rows) {
    const notes = [r.notes, ...r.result.notes.map((n) => NOTES[n] ?? n)].filter(Boolean).join('; ')
    const result = r.result.ok ? 'passes' : r.result.missing ? `fails: no \`${r.result.missing}\` export condition yet` : 'fails'
    lines.push(`| ${[r.name, r.tableVersion, r.imports, notes, result].map(cell).join(' | ')} |`)
  }
  return lines.join('\n')
}

/** The table between the markers, or undefined. */
export function readmeTable(readme) {
  const a = readme.indexOf(START)
  const b = readme.indexOf(END)
  if (a < 0 || b < a) return undefined
  return readme.slice(a + START.length, b).trim()
}

/** README text with the table between the markers replaced (the markers must be there). */
export function replaceTable(readme, table) {
  const a = readme.indexOf(START)
  const b = readme.indexOf(END)
  if (a < 0 || b < a) throw new Error(`README.md has no runtimes table markers: add ${START} and ${END}`)
  return `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`
}
