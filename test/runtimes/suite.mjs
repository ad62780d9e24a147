// The behaviour suite of the runtime matrix (npm run test:runtimes): one plain ES module, run
// unchanged on every runtime against the package installed from its packed tarball. It imports
// nothing: each runtime's host hands it a `load()` that imports the package the way that runtime
// does (import, require(), a bundler's lazy chunk, an import map) and a clock, so that the time
// from the import to the first verified signature is measured the same way everywhere.
//
// The hosts hand over the suite's Hono app (hono, and the package's adapters/hono) as loaders
// called by its check, so they do not count in that time; adapters/hono is null where the
// package's exports map does not offer it (browsers), and the check then shows why.
//
// The result is plain JSON: { ok, firstVerifyMs, checks: [{ name, ok, error? }], notes: [] }.
// The references are independent of the package: signatures are checked against WebCrypto's
// HMAC-SHA256, so a core that signs wrongly fails here even when it verifies its own output.

const SECRET = 'runtime-matrix-secret-0123456789abcdef' // >= 32 bytes, as the Manager requires
const OLD_SECRET = 'runtime-matrix-older-secret-0123456789ab'
const ORIGIN = 'http://127.0.0.1/'
const COOKIE = 'sid'

class CheckFailed extends Error {}

function assert(cond, message) {
  if (!cond) throw new CheckFailed(message)
}

function show(v) {
  if (typeof v === 'bigint') return `${v}n`
  if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v).join(',')}]`
  if (v instanceof Date) return `Date(${v.toISOString()})`
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(', ')}}`
  return typeof v === 'string' ? JSON.stringify(v) : String(v)
}

/** Equal in value and in type: 1 is not 1n, bytes stay bytes, a Date stays a Date. */
function same(a, b) {
  if (typeof a !== typeof b) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i])
  }
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (a && b && typeof a === 'object') {
    const ka = Object.keys(a).sort()
    const kb = Object.keys(b).sort()
    return same(ka, kb) && ka.every((k) => same(a[k], b[k]))
  }
  return Object.is(a, b)
}

function assertSame(actual, expected, what) {
  assert(same(actual, expected), `${what}: got ${show(actual)}, expected ${show(expected)}`)
}

function base64url(bytes) {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** HMAC-SHA256 of `data` under `secret`, base64url, by the platform's WebCrypto. */
async function referenceMac(secret, data) {
  const utf8 = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(data))))
}

/** `value` with its character at `index` replaced by another character of the base64url alphabet. */
function alter(value, index) {
  const c = value[index] === 'A' ? 'B' : 'A'
  return value.slice(0, index) + c + value.slice(index + 1)
}

/**
 * A request carrying `cookie`. Browsers forbid a script to set the Cookie header of a Request
 * (https://fetch.spec.whatwg.org/#forbidden-request-header): `new Request` drops it silently. The
 * fetch adapter reads only `request.headers`, and a Headers made on its own may carry Cookie, so
 * there the request is an object with such Headers; `notes` records that it happened.
 */
function request(cookie, notes, url = ORIGIN) {
  const init = cookie === undefined ? {} : { headers: { cookie: `${COOKIE}=${cookie}` } }
  const req = new Request(url, init)
  if (cookie === undefined || req.headers.get('cookie') === `${COOKIE}=${cookie}`) return req
  if (!notes.includes('cookie-header-forbidden')) notes.push('cookie-header-forbidden')
  const headers = new Headers(init.headers)
  assert(headers.get('cookie') === `${COOKIE}=${cookie}`, 'neither new Request nor new Headers keeps a Cookie header')
  return { url: req.url, method: req.method, headers }
}

/** The Set-Cookie lines for our cookie on a response's Headers: [{ value, attributes }], attribute names lower-cased. */
function setCookies(headers) {
  return headers
    .getSetCookie()
    .map((line) => line.split(';').map((p) => p.trim()))
    .filter(([pair]) => pair.startsWith(`${COOKIE}=`))
    .map(([pair, ...attrs]) => ({ value: pair.slice(COOKIE.length + 1), attributes: attrs.map((a) => a.replace(/^[^=]*/, (n) => n.toLowerCase())) }))
}

function onlyCookie(headers, what) {
  const lines = setCookies(headers)
  assert(lines.length === 1, `${what}: expected one Set-Cookie for ${COOKIE}, got ${lines.length}`)
  return lines[0]
}

/** Values of every type the codec keeps, as a session would store them. */
function values() {
  return {
    int: 42,
    negative: -(2 ** 53 - 1),
    float: 1.5,
    big: 2n ** 63n - 1n,
    bytes: new Uint8Array([0, 1, 127, 128, 255]),
    when: new Date(Date.UTC(2024, 1, 29, 12, 34, 56, 789)),
    text: 'héllo, 世界',
    nested: { list: [1, 'two', null, true, { deep: [new Uint8Array([9]), -7n] }], flag: false },
  }
}

const checks = {
  async 'sign and verify (HMAC-SHA256, key rotation)'({ core }) {
    const { Signer, generateId } = core
    const signer = new Signer([SECRET])
    const id = generateId()
    const value = signer.sign(id)
    assertSame(value, `1.${id}.${await referenceMac(SECRET, `1.${id}`)}`, 'signed value')
    assertSame(signer.verify(value), { id, key: 0 }, 'verify')
    assertSame(signer.verify(alter(value, value.length - 2)), undefined, 'verify of an altered MAC')
    assertSame(signer.check(alter(value, value.length - 2)), 'signature', 'check of an altered MAC')
    assertSame(signer.verify(alter(value, 3)), undefined, 'verify of an altered ID')
    assertSame(signer.check('1.not-a-signed-value'), 'malformed', 'check of a malformed value')
    const old = new Signer([OLD_SECRET]).sign(id)
    assertSame(signer.verify(old), undefined, 'verify of a value signed by another secret')
    assertSame(new Signer([SECRET, OLD_SECRET]).verify(old), { id, key: 1 }, 'verify by an older secret')
  },

  async 'session IDs (generateId, isValidId)'({ core }) {
    const { generateId, isValidId } = core
    const ids = Array.from({ length: 200 }, () => generateId())
    for (const id of ids) assert(/^[A-Za-z0-9_-]{32}$/.test(id), `not 32 base64url characters: ${id}`)
    assertSame(new Set(ids).size, ids.length, 'distinct IDs among 200')
    assertSame(generateId(20).length, 20, 'length of generateId(20)')
    assertSame(isValidId(ids[0]), true, 'isValidId of a generated ID')
    assertSame(isValidId(ids[0].slice(1)), false, 'isValidId of a shorter ID')
    assertSame(isValidId(`${ids[0].slice(1)}.`), false, 'isValidId with a character outside base64url')
    assertSame(isValidId(42), false, 'isValidId of a number')
  },

  async 'codec round trip (int, bigint, bytes, Date, nested)'({ core }) {
    const { encodeValue, decodeValue, encodeFields, decodeFields } = core
    for (const [name, v] of Object.entries(values())) {
      const bytes = encodeValue(v)
      assert(bytes instanceof Uint8Array && bytes.length > 0, `${name}: encodeValue gives bytes`)
      assertSame(decodeValue(bytes), v, `${name} after a round trip`)
    }
    assertSame(decodeFields(encodeFields(values())), values(), 'all fields after a round trip')
    assertSame(decodeValue(encodeValue(3)) === decodeValue(encodeValue(3n)), false, '3 and 3n stay distinct')
  },

  async 'Manager on the memory store through the fetch adapter'({ core, fetchAdapter, memory }, notes) {
    const { Manager } = core
    const { getCookie, setCookie } = fetchAdapter
    const manager = new Manager({
      store: new memory.MemoryStore(),
      secrets: [SECRET],
      cookie: { name: COOKIE, sameSite: 'lax' },
      getCookie,
      setCookie,
    })
    const signer = new core.Signer([SECRET])

    // A first request: nothing is stored and no cookie is sent until something is set.
    let headers = new Headers()
    let sess = await manager.acquire(request(undefined, notes), headers)
    assertSame(await sess.get('int'), undefined, 'a missing key of a new session')
    await sess.commit()
    assertSame(setCookies(headers).length, 0, 'Set-Cookie after committing an untouched new session')

    headers = new Headers()
    sess = await manager.acquire(request(undefined, notes), headers)
    await sess.setMulti(values())
    await sess.commit()
    const first = onlyCookie(headers, 'commit of a new session')
    assert(first.attributes.includes('httponly') && first.attributes.includes('path=/'), `cookie attributes: ${first.attributes}`)
    assert(/\bcookie\b/i.test(headers.get('vary') ?? ''), `Vary: ${headers.get('vary')}`)
    const id = signer.verify(first.value)?.id
    assert(id !== undefined, `the cookie is not signed with the secret: ${first.value}`)
    assertSame(sess.id, id, 'session ID in the cookie')

    // Read back with types, through the typed helpers as well.
    headers = new Headers()
    sess = await manager.acquire(request(first.value, notes), headers)
    assertSame(sess.id, id, 'session ID of the next request')
    assertSame(await sess.getAll(), values(), 'getAll of the next request')
    assertSame(sess.int(await sess.get('int')), 42, 'int helper')
    assertSame(sess.int64(await sess.get('big')), 2n ** 63n - 1n, 'int64 helper')
    assertSame(sess.bytes(await sess.get('bytes')), values().bytes, 'bytes helper')
    await sess.commit()
    assertSame(setCookies(headers).length, 0, 'Set-Cookie after a request that only read')

    // A tampered cookie gives a fresh session, never the cookie's ID.
    for (const forged of [alter(first.value, first.value.length - 2), alter(first.value, 5)]) {
      headers = new Headers()
      sess = await manager.acquire(request(forged, notes), headers)
      assertSame(await sess.get('int'), undefined, 'a value of a session reached with a tampered cookie')
      assert(sess.id !== id, 'a tampered cookie kept its session ID')
    }

    // Regenerate: a new ID, the data kept, the old cookie dead.
    headers = new Headers()
    sess = await manager.acquire(request(first.value, notes), headers)
    await sess.regenerate()
    await sess.set('after', 'regenerate')
    await sess.commit()
    const second = onlyCookie(headers, 'regenerate')
    const newId = signer.verify(second.value)?.id
    assert(newId !== undefined && newId !== id, `regenerate kept the ID or sent an unsigned cookie: ${second.value}`)
    headers = new Headers()
    sess = await manager.acquire(request(second.value, notes), headers)
    assertSame(await sess.getAll(), { ...values(), after: 'regenerate' }, 'data after regenerate')
    headers = new Headers()
    sess = await manager.acquire(request(first.value, notes), headers)
    assertSame(await sess.get('int'), undefined, 'a value read with the cookie from before regenerate')
    assert(sess.id !== id, 'the old cookie still names its session after regenerate')

    // Destroy: a removal cookie with the same path, and the session gone from the store.
    headers = new Headers()
    sess = await manager.acquire(request(second.value, notes), headers)
    await sess.destroy()
    const removal = onlyCookie(headers, 'destroy')
    assertSame(removal.value, '', 'value of the removal cookie')
    assert(
      removal.attributes.includes('max-age=0') || removal.attributes.some((a) => a.startsWith('expires=') && Date.parse(a.slice(8)) < Date.now()),
      `the removal cookie does not expire: ${removal.attributes}`,
    )
    assert(removal.attributes.includes('path=/'), `removal cookie path: ${removal.attributes}`)
    headers = new Headers()
    sess = await manager.acquire(request(second.value, notes), headers)
    assertSame(await sess.get('after'), undefined, 'a value read with the cookie of a destroyed session')
  },

  async 'Hono app with session() from adapters/hono on the memory store'({ core, memory, hono, honoAdapter }, notes) {
    const { Hono } = await hono()
    if (honoAdapter === null) {
      // The host says the package does not offer adapters/hono on this runtime (its exports map
      // sets the subpath to null here). That holds only while the runtime drops Set-Cookie from
      // the Responses a Hono app makes: the cookie could never leave.
      const bare = new Hono()
      bare.get('/', (c) => {
        c.header('set-cookie', `${COOKIE}=x; Path=/`, { append: true })
        return c.text('ok')
      })
      const res = await bare.fetch(new Request(ORIGIN))
      assertSame(setCookies(res.headers).length, 0, 'Set-Cookie on a Hono response here, where the package does not offer adapters/hono: offer it')
      if (!notes.includes('hono-set-cookie-forbidden')) notes.push('hono-set-cookie-forbidden')
      return
    }
    const { session } = await honoAdapter()
    const manager = new core.Manager({ store: new memory.MemoryStore(), secrets: [SECRET], cookie: { name: COOKIE, path: '/app', sameSite: 'strict' } })
    const signer = new core.Signer([SECRET])
    const app = new Hono()
    app.use('/app/*', session(manager))
    let seen // what the last handler found in its session: values keep their types only in-process
    app.get('/app/set', async (c) => {
      await c.var.session.setMulti(values())
      return c.text('set')
    })
    app.get('/app/read', async (c) => {
      const all = await c.var.session.getAll() // first: until a read, the ID is the cookie's
      seen = { id: c.var.session.id, all }
      return c.text('read')
    })
    app.get('/app/regenerate', async (c) => {
      await c.var.session.regenerate()
      return c.text('regenerated')
    })
    const call = async (path, cookie) => {
      seen = undefined
      const res = await app.fetch(request(cookie, notes, new URL(path, ORIGIN).href))
      assertSame(res.status, 200, `status of ${path}`)
      return res
    }
    const vary = (res, what) => assert(/\bcookie\b/i.test(res.headers.get('vary') ?? ''), `${what}: Vary is ${res.headers.get('vary')}`)

    // A first request sets values: one cookie, signed, with the configured attributes.
    let res = await call('/app/set')
    const first = onlyCookie(res.headers, 'a Hono response that set values')
    for (const a of ['path=/app', 'samesite=strict', 'secure', 'httponly']) {
      assert(first.attributes.some((x) => x.toLowerCase() === a), `cookie attributes ${first.attributes}: no ${a}`)
    }
    vary(res, 'a Hono response that set values')
    const id = signer.verify(first.value)?.id
    assert(id !== undefined, `the cookie is not signed with the secret: ${first.value}`)

    // The next request reads them back with their types; a read-only response still varies.
    res = await call('/app/read', first.value)
    assertSame(seen, { id, all: values() }, 'session read by the next Hono request')
    assertSame(setCookies(res.headers).length, 0, 'Set-Cookie on a Hono response that only read')
    vary(res, 'a Hono response that only read')

    // A tampered cookie gives a fresh session.
    for (const forged of [alter(first.value, first.value.length - 2), alter(first.value, 5)]) {
      await call('/app/read', forged)
      assert(seen.id !== id, 'a tampered cookie kept its session ID through Hono')
      assertSame(seen.all, {}, 'session read with a tampered cookie through Hono')
    }

    // Regenerate: a new cookie value for the same data; the old cookie finds nothing.
    res = await call('/app/regenerate', first.value)
    const second = onlyCookie(res.headers, 'a Hono response that regenerated')
    const newId = signer.verify(second.value)?.id
    assert(newId !== undefined && newId !== id && second.value !== first.value, `regenerate kept the ID or sent an unsigned cookie: ${second.value}`)
    await call('/app/read', second.value)
    assertSame(seen, { id: newId, all: values() }, 'session read with the regenerated cookie through Hono')
    await call('/app/read', first.value)
    assert(seen.id !== id && seen.id !== newId, 'the cookie from before regenerate still names a session')
    assertSame(seen.all, {}, 'session read with the cookie from before regenerate through Hono')
  },

  async 'Manager on the sealed cookie store through the fetch adapter'({ core, fetchAdapter, cookie }, notes) {
    const { Manager } = core
    const { getCookie, setCookie } = fetchAdapter
    const make = (secrets) => new Manager({ store: new cookie.CookieStore(), secrets, cookie: { name: COOKIE }, getCookie, setCookie })
    const manager = make([SECRET])

    // Lazy: nothing sent until something is set; then the cookie is the sealed record.
    let headers = new Headers()
    let sess = await manager.acquire(request(undefined, notes), headers)
    assertSame(await sess.get('int'), undefined, 'a missing key of a new session')
    await sess.commit()
    assertSame(setCookies(headers).length, 0, 'Set-Cookie after committing an untouched new session')
    headers = new Headers()
    sess = await manager.acquire(request(undefined, notes), headers)
    await sess.setMulti(values())
    await sess.commit()
    const first = onlyCookie(headers, 'commit of a new sealed session')
    assert(!first.value.startsWith('1.'), `the sealed cookie looks like a signed ID: ${first.value.slice(0, 20)}`)

    // Read back with types, and a change merged into what the cookie held.
    headers = new Headers()
    sess = await manager.acquire(request(first.value, notes), headers)
    assertSame(await sess.getAll(), values(), 'getAll from the sealed cookie')
    await sess.set('after', 'merge')
    await sess.delete('float')
    await sess.commit()
    const second = onlyCookie(headers, 'commit of a change')
    const { float: _dropped, ...rest } = values()
    assertSame(await (await manager.acquire(request(second.value, notes), new Headers())).getAll(), { ...rest, after: 'merge' }, 'merged fields')

    // Tampering gives a fresh session.
    for (const forged of [alter(second.value, second.value.length - 5), alter(second.value, 40), second.value.slice(0, 80)]) {
      sess = await manager.acquire(request(forged, notes), new Headers())
      assertSame(await sess.get('int'), undefined, 'a value read with a tampered sealed cookie')
    }

    // Rotation: a cookie sealed with an older secret opens and is re-sealed with the newest.
    const oldValue = second.value
    headers = new Headers()
    sess = await make([OLD_SECRET, SECRET]).acquire(request(oldValue, notes), headers)
    assertSame(await sess.get('after'), 'merge', 'a value read with a cookie sealed by an older secret')
    await sess.commit()
    const resealed = onlyCookie(headers, 're-seal after rotation')
    assertSame(await (await make([OLD_SECRET]).acquire(request(resealed.value, notes), new Headers())).get('after'), 'merge', 'the re-sealed cookie opens with the newest secret alone')

    // TOO_LARGE at commit, nothing sent; destroy sends a removal cookie.
    headers = new Headers()
    sess = await manager.acquire(request(second.value, notes), headers)
    await sess.set('big', 'x'.repeat(5000))
    let code
    try {
      await sess.commit()
    } catch (err) {
      code = err?.code
    }
    assertSame(code, 'TOO_LARGE', 'commit of a session over the cookie size')
    assertSame(setCookies(headers).length, 0, 'Set-Cookie after TOO_LARGE')
    await sess.destroy()
    assertSame(onlyCookie(headers, 'destroy').value, '', 'value of the removal cookie')
  },
}

/**
 * Imports the package through `load` and verifies one signature: the time from the import to
 * the first verify (an `init()`, where a build has one, counts; browsers need it).
 */
export async function start(load, now) {
  const t0 = now()
  const mods = await load()
  if (typeof mods.core.init === 'function') await mods.core.init()
  const signer = new mods.core.Signer([SECRET])
  const id = mods.core.generateId()
  const verified = signer.verify(signer.sign(id))
  const firstVerifyMs = now() - t0
  assert(verified?.id === id, 'the first signed ID did not verify')
  return { mods, firstVerifyMs }
}

/** Runs every check on the loaded package (see start). */
export async function run(mods) {
  const notes = []
  const results = []
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check(mods, notes)
      results.push({ name, ok: true })
    } catch (err) {
      results.push({ name, ok: false, error: err instanceof CheckFailed ? err.message : String(err?.stack ?? err) })
    }
  }
  return { ok: results.every((r) => r.ok), checks: results, notes }
}

/** start, then run: the whole suite, one JSON-ready result. A failure to load is a result too. */
export async function main(load, now) {
  let started
  try {
    started = await start(load, now)
  } catch (err) {
    return { ok: false, checks: [{ name: 'import and first verify', ok: false, error: String(err?.stack ?? err) }], notes: [] }
  }
  return { ...(await run(started.mods)), firstVerifyMs: started.firstVerifyMs }
}
