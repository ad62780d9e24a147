// `npm start`: a small web app on node:http with the embedded memory store. It shows the
// session and its typed values, counts visits, logs in (regenerating the ID; "keep me signed in"
// is rememberMe), logs out (destroying the session), lists the user's devices and signs out the
// others (ownerKey 'user'), and sets a value of each type from a form, with a flash notice on the
// next page (set, then pop). Plain HTML, no build.
// STORE=cookie runs it on the sealed cookie store instead: the same pages, nothing kept in the
// process (restart it with the same SESSION_SECRET and the sessions are still there).
//
//   PORT=3000 SESSION_SECRET=... npm start
//   STORE=cookie SESSION_SECRET=... npm start

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { Manager, isSessionError, type Session, type Value } from './index.js'
import { MemoryStore } from './stores/memory/index.js'
import { CookieStore } from './stores/cookie.js'
import { getCookie, setCookie } from './adapters/node/index.js'

const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url')
if (!process.env.SESSION_SECRET) console.log('SESSION_SECRET is not set: using a random one, so sessions end when the demo stops.')

function storeOf(name: string | undefined): MemoryStore | CookieStore {
  if (name === undefined || name === '' || name === 'memory') return new MemoryStore({ maxSessions: 10_000 })
  if (name === 'cookie') return new CookieStore()
  throw new Error(`STORE must be memory or cookie, got ${JSON.stringify(name)}`)
}
console.log(`store: ${process.env.STORE === 'cookie' ? 'sealed cookie (the session is in the cookie, encrypted)' : 'memory'}`)

const manager = new Manager<Record<string, Value>, IncomingMessage, ServerResponse>({
  store: storeOf(process.env.STORE),
  secrets: [secret],
  // The demo serves plain http on localhost; behind TLS keep the default (secure: true).
  // Browser-session cookies unless the user ticks "keep me signed in" (rememberMe).
  cookie: { name: 'demo_session', secure: false, persist: false },
  idleTimeout: 30 * 60,
  ownerKey: 'user', // the devices list and "sign out other devices"
  getCookie,
  setCookie,
  onInvalidCookie: ({ reason }) => console.log(`ignored a session cookie (${reason})`),
})

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function typeOf(v: Value): string {
  if (v === null) return 'null'
  if (v instanceof Uint8Array) return 'bytes'
  if (v instanceof Date) return 'Date'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  return typeof v
}

function show(v: Value): string {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'string') return JSON.stringify(v)
  if (v !== null && typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))
  return String(v)
}

/** Parses the form's value field as the chosen type; a bad one is a 400 with the reason. */
function parseTyped(type: string, raw: string): Value {
  switch (type) {
    case 'string':
      return raw
    case 'int': {
      const n = Number(raw)
      if (!Number.isSafeInteger(n)) throw new Error(`not an int: ${raw}`)
      return n
    }
    case 'float64': {
      const n = Number(raw)
      if (raw.trim() === '' || Number.isNaN(n)) throw new Error(`not a number: ${raw}`)
      return n
    }
    case 'bigint':
      return BigInt(raw)
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw new Error('bool is true or false')
      return raw === 'true'
    case 'null':
      return null
    case 'bytes':
      if (!/^([0-9a-f]{2})*$/i.test(raw)) throw new Error('bytes are given as hex')
      return new Uint8Array(Buffer.from(raw, 'hex'))
    case 'Date': {
      const d = new Date(raw)
      if (Number.isNaN(d.getTime())) throw new Error(`not a date: ${raw}`)
      return d
    }
    case 'json':
      return JSON.parse(raw) as Value
    default:
      throw new Error(`unknown type ${type}`)
  }
}

/** The user's devices, this one marked, with a button that signs out the others (none on the sealed store). */
async function devices(sess: Session<Record<string, Value>>, user: string): Promise<string> {
  let list
  try {
    list = await manager.listSessions(user)
  } catch (e) {
    if (isSessionError(e, 'UNSUPPORTED')) return '<p>(The sealed cookie store keeps nothing on the server, so it cannot list devices.)</p>'
    throw e
  }
  const items = list
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((d) => `<li>signed in ${new Date(d.createdAt).toISOString()}${d.handle === sess.handle ? ' <b>(this device)</b>' : ''}</li>`)
    .join('')
  return `<h2>Your devices</h2><ul>${items}</ul><form method="post" action="/logout-others"><button>Sign out all other devices</button></form>`
}

async function page(sess: Session<Record<string, Value>>, note = ''): Promise<string> {
  const all = await sess.getAll()
  const rows = Object.keys(all)
    .sort()
    .map((k) => `<tr><td>${esc(k)}</td><td>${typeOf(all[k]!)}</td><td><code>${esc(show(all[k]!))}</code></td></tr>`)
    .join('')
  const user = typeof all.user === 'string' ? all.user : undefined
  return `<!doctype html><meta charset="utf-8"><title>simplesessions demo</title>
<style>body{font:15px system-ui;margin:2em auto;max-width:46em}td,th{padding:.2em .8em;text-align:left}code{background:#f3f3f3}</style>
<h1>simplesessions demo</h1>
${note ? `<p><b>${esc(note)}</b></p>` : ''}
<p>Session ID: <code>${esc(sess.id)}</code> ${sess.isNew ? '(new: not stored until something is set)' : ''}</p>
<p>${user ? `Logged in as <b>${esc(user)}</b>. <form method="post" action="/logout" style="display:inline"><button>Log out</button></form>` : `<form method="post" action="/login" style="display:inline"><input name="user" placeholder="name" required> <label><input type="checkbox" name="remember" value="1"> keep me signed in</label> <button>Log in</button></form> (regenerates the session ID)`}</p>
<table><tr><th>key</th><th>type</th><th>value</th></tr>${rows || '<tr><td colspan=3>(empty)</td></tr>'}</table>
<h2>Set a value</h2>
<form method="post" action="/set"><input name="key" placeholder="key" required>
<select name="type">${['string', 'int', 'float64', 'bigint', 'bool', 'null', 'bytes', 'Date', 'json'].map((t) => `<option>${t}</option>`).join('')}</select>
<input name="value" placeholder="value"> <button>Set</button></form>
<p><a href="/">Reload</a> (counts a visit) · <form method="post" action="/clear" style="display:inline"><button>Clear all values</button></form></p>
${user ? await devices(sess, user) : ''}`
}

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  let s = ''
  for await (const chunk of req) {
    s += chunk
    if (s.length > 64 * 1024) throw new Error('form too large')
  }
  return new URLSearchParams(s)
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html)
}

function redirect(res: ServerResponse): void {
  res.writeHead(303, { location: '/' }).end()
}

const server = createServer(async (req, res) => {
  try {
    const sess = await manager.acquire(req, res)
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method === 'GET' && url.pathname === '/') {
      const visits = await sess.get('visits')
      await sess.set('visits', typeof visits === 'number' ? visits + 1 : 1)
      const flash = await sess.pop('flash') // set by the previous request, shown once
      await sess.commit()
      return send(res, 200, await page(sess, typeof flash === 'string' ? flash : ''))
    }
    if (req.method === 'POST' && url.pathname === '/set') {
      const form = await body(req)
      let value: Value
      try {
        value = parseTyped(form.get('type') ?? '', form.get('value') ?? '')
      } catch (e) {
        return send(res, 400, await page(sess, e instanceof Error ? e.message : String(e)))
      }
      await sess.set(form.get('key') ?? '', value)
      await sess.set('flash', `saved ${form.get('key') ?? ''}`)
      try {
        await sess.commit()
      } catch (e) {
        // The sealed cookie store refuses a session that no longer fits its cookie: say so.
        if (!isSessionError(e, 'TOO_LARGE')) throw e
        await sess.delete(form.get('key') ?? '', 'flash')
        return send(res, 413, await page(sess, e.message))
      }
      return redirect(res)
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const form = await body(req)
      await sess.regenerate() // a new ID on privilege change: session fixation defence
      await sess.setMulti({ user: (form.get('user') ?? '').slice(0, 64) || 'anonymous', loggedInAt: new Date() })
      await sess.rememberMe(form.get('remember') === '1') // a persistent cookie only when asked for
      await sess.commit()
      return redirect(res)
    }
    if (req.method === 'POST' && url.pathname === '/logout-others') {
      const user = await sess.get('user')
      if (typeof user === 'string') {
        const ended = await manager.destroySessions(user, { except: sess })
        await sess.set('flash', `signed out ${ended} other device${ended === 1 ? '' : 's'}`)
        await sess.commit()
      }
      return redirect(res)
    }
    if (req.method === 'POST' && url.pathname === '/logout') {
      await sess.destroy()
      return redirect(res)
    }
    if (req.method === 'POST' && url.pathname === '/clear') {
      await sess.clear()
      await sess.commit()
      return redirect(res)
    }
    send(res, 404, 'not found')
  } catch (e) {
    console.error(e)
    if (!res.headersSent) send(res, 500, esc(e instanceof Error ? `${e.name}: ${e.message}` : String(e)))
  }
})

const port = Number(process.env.PORT ?? 3000)
server.listen(port, () => console.log(`simplesessions demo on http://localhost:${port}/`))
