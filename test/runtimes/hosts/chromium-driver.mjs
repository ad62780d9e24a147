// Runs the behaviour suite in headless Chromium (Debian's, at CHROMIUM or /usr/bin/chromium):
// serves the consumer project (argv[2]) from 127.0.0.1, opens chromium.html there, and prints
// one line: RESULT <json>, with the browser's version. Chromium starts with background
// networking, updates and sync off (a closed network refuses those connections) and a fresh
// profile, so nothing from an earlier run is cached.
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import puppeteer from 'puppeteer-core'

const dir = process.argv[2]
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' }

const server = createServer((req, res) => {
  const path = normalize(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname)))
  let ok = path.startsWith(dir + sep)
  try {
    ok &&= statSync(path).isFile()
  } catch {
    ok = false
  }
  if (!ok) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' })
  createReadStream(path).pipe(res)
})
await new Promise((r) => server.listen(0, '127.0.0.1', r))

const profile = mkdtempSync(join(tmpdir(), 'simplesessions-chromium-'))
const logs = []
let browser
let result
try {
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: false, // the flag is passed below, as the machine's Chromium is started by hand
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
    timeout: 60_000,
  })
  const page = await browser.newPage()
  page.on('console', (m) => logs.push(`console.${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => logs.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => logs.push(`request failed: ${r.url()}`))
  page.on('response', (r) => r.status() >= 400 && logs.push(`${r.status()}: ${r.url()}`))
  await page.goto(`http://127.0.0.1:${server.address().port}/chromium.html`)
  await page.waitForFunction(() => window.__result !== undefined, { timeout: 60_000 })
  result = await page.evaluate(() => window.__result)
  result.version = (await browser.version()).replace(/^[^/]*\//, '')
} catch (err) {
  result = { ok: false, error: `${String(err?.message ?? err)}${logs.length ? `\n${logs.join('\n')}` : ''}` }
} finally {
  await browser?.close()
  server.close()
  rmSync(profile, { recursive: true, force: true })
}
if (!result.ok && logs.length && !result.error) result.error = logs.join('\n')
console.log(`RESULT ${JSON.stringify(result)}`)
