// The demo app (`npm start`, started by ./main.ts): a small web app on node:http. It shows the
// session and the type of each value, counts visits, logs in (regenerating the ID, with a
// welcome flash; "keep me signed in" is rememberMe), logs out (destroying the session), lists the
// user's devices and signs out the others (ownerKey 'user'), and sets a value of any type from a
// form, with a flash notice on the next page (set, then pop). Plain HTML, no build.
//
// The store is the environment's choice (demoStoreName): memory by default, Redis when REDIS_URL
// is set, the sealed cookie with SESSION_STORE=cookie. The Redis store, and with it ioredis, is
// imported only when chosen, so the default demo loads neither. test/demo.test.ts drives this app
// on each store.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { Manager, isSessionError, type Session, type Value } from '../index.js'
import { MemoryStore } from '../stores/memory/index.js'
import { CookieStore } from '../stores/cookie.js'
import type { SealedStore, Store } from '../stores/types.js'
import { getCookie, setCookie } from '../adapters/node/index.js'

/** The stores the demo runs on. */
export const DEMO_STORES = ['memory', 'redis', 'cookie'] as const
export type DemoStoreName = (typeof DEMO_STORES)[number]

/** What each store means for the demo, as it tells the user. */
const ABOUT: Record<DemoStoreName, string> = {
  memory: 'memory (this process only: sessions end when it stops)',
  redis: 'Redis (sessions outlive the process and are shared by every process on the same Redis)',
  cookie: 'sealed cookie (the session is in the cookie, encrypted: nothing kept on the server)',
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * The store the environment asks for: SESSION_STORE (memory, redis or cookie) when set, else
 * redis when REDIS_URL is set, else memory.
 */
export function demoStoreName(env: Env): DemoStoreName {
  const asked = env.SESSION_STORE
  if (asked === undefined || asked === '') return env.REDIS_URL ? 'redis' : 'memory'
  if ((DEMO_STORES as readonly string[]).includes(asked)) return asked as DemoStoreName
  throw new Error(`SESSION_STORE must be one of ${DEMO_STORES.join(', ')}, got ${JSON.stringify(asked)}`)
}

/** The store of that name, and a line that says what it is. Redis: REDIS_URL, default redis://localhost:6379. */
export async function openDemoStore(env: Env): Promise<{ name: DemoStoreName; store: Store | SealedStore; about: string }> {
  const name = demoStoreName(env)
  let store: Store | SealedStore
  if (name === 'redis') {
    // Loaded here only: ioredis is an optional peer dependency.
    const { RedisStore } = await import('../stores/redis.js')
    store = new RedisStore(env.REDIS_URL || 'redis://localhost:6379', { prefix: 'simplesessions-demo:', hashKeys: true })
  } else {
    store = name === 'cookie' ? new CookieStore() : new MemoryStore({ maxSessions: 10_000 })
  }
  return { name, store, about: ABOUT[name] }
}

export interface DemoOptions {
  store: Store | SealedStore
  /** At least 32 bytes. */
  secret: string
  /** Shown on every page: which store this is. */
  about?: string
  /** Where the app reports an ignored cookie and a failed request. Default console.log. */
  log?: (line: string) => void
}

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

/** The demo's Manager and its request handler, for node:http's createServer. */
export function createDemo(options: DemoOptions): {
  manager: Manager<Record<string, Value>, IncomingMessage, ServerResponse>
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>
} {
  const log = options.log ?? ((line: string) => console.log(line))
  const manager = new Manager<Record<string, Value>, IncomingMessage, ServerResponse>({
    store: options.store,
    secrets: [options.secret],
    // The demo serves plain http on localhost; behind TLS keep the default (secure: true).
    // Browser-session cookies unless the user ticks "keep me signed in" (rememberMe).
    cookie: { name: 'demo_session', secure: false, persist: false },
    idleTimeout: 30 * 60,
    ownerKey: 'user', // the devices list and "sign out other devices"
    getCookie,
    setCookie,
    onInvalidCookie: ({ reason }) => log(`ignored a session cookie (${reason})`),
  })

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
      .map((d) => `<li>session started ${new Date(d.createdAt).toISOString()}${d.handle === sess.handle ? ' <b>(this device)</b>' : ''}</li>`)
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
    // Only the ID's start: enough to see it change at login, while the whole ID (a bearer
    // secret, kept from scripts by HttpOnly) stays out of the page.
    const id = `${sess.id.slice(0, 6)}…`
    return `<!doctype html><meta charset="utf-8"><title>simplesessions demo</title>
<style>body{font:15px system-ui;margin:2em auto;max-width:46em}td,th{padding:.2em .8em;text-align:left}code{background:#f3f3f3}</style>
<h1>simplesessions demo</h1>
${note ? `<p class="flash"><b>${esc(note)}</b></p>` : ''}
${options.about ? `<p>Store: ${esc(options.about)}</p>` : ''}
<p>Session ID: <code>${esc(id)}</code> ${sess.isNew ? '(new: not stored until something is set)' : ''}</p>
<p>${user ? `Logged in as <b>${esc(user)}</b>. <form method="post" action="/logout" style="display:inline"><button>Log out</button></form>` : `<form method="post" action="/login" style="display:inline"><input name="user" placeholder="name" required> <label><input type="checkbox" name="remember" value="1"> keep me signed in</label> <button>Log in</button></form> (regenerates the session ID)`}</p>
<table><tr><th>key</th><th>type</th><th>value</th></tr>${rows || '<tr><td colspan=3>(empty)</td></tr>'}</table>
<h2>Set a value</h2>
<form method="post" action="/set"><input name="key" placeholder="key" required>
<select name="type">${['string', 'int', 'float64', 'bigint', 'bool', 'null', 'bytes', 'Date', 'json'].map((t) => `<option>${t}</option>`).join('')}</select>
<input name="value" placeholder="value" title="bytes in hex, a Date in ISO 8601, json as JSON; JavaScript has one number type, so a whole float64 reads back as an int" size="40"> <button>Set</button></form>
<p><small>bytes in hex, a Date in ISO 8601, json as JSON. JavaScript has one number type: a whole float64 (3) reads back as an int.</small></p>
<p><a href="/">Reload</a> (counts a visit) · <form method="post" action="/clear" style="display:inline"><button>Clear all values</button></form></p>
${user ? await devices(sess, user) : ''}`
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
        const key = form.get('key') ?? ''
        try {
          // A value the form cannot give as its type, or the session cannot keep (the owner
          // field 'user' must be a string: TYPE), is the user's mistake: say which.
          await sess.set(key, parseTyped(form.get('type') ?? '', form.get('value') ?? ''))
        } catch (e) {
          if (isSessionError(e, 'STORE_UNAVAILABLE')) throw e
          return send(res, 400, await page(sess, e instanceof Error ? e.message : String(e)))
        }
        await sess.set('flash', `saved ${key}`)
        try {
          await sess.commit()
        } catch (e) {
          // The sealed cookie store refuses a session that no longer fits its cookie: say so.
          if (!isSessionError(e, 'TOO_LARGE')) throw e
          await sess.delete(key, 'flash')
          return send(res, 413, await page(sess, e.message))
        }
        return redirect(res)
      }
      if (req.method === 'POST' && url.pathname === '/login') {
        const form = await body(req)
        await sess.regenerate() // a new ID on privilege change: session fixation defence
        // The user comes from the form (in an app: the credentials checked), never from the old session.
        const user = (form.get('user') ?? '').slice(0, 64) || 'anonymous'
        await sess.setMulti({ user, loggedInAt: new Date(), flash: `signed in as ${user}` })
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
      if (isSessionError(e, 'STORE_UNAVAILABLE')) {
        log(`the session store is unavailable: ${e.message}`)
        if (!res.headersSent) send(res, 503, esc(`The session store is unavailable (${e.message}). With Redis: is it running at REDIS_URL?`))
        return
      }
      log(e instanceof Error ? (e.stack ?? e.message) : String(e))
      if (!res.headersSent) send(res, 500, esc(e instanceof Error ? `${e.name}: ${e.message}` : String(e)))
    }
  }

  return { manager, handle }
}
