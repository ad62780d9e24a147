// Signing rows: our WASM-backed Signer against cookie-signature (+ uid-safe for fresh IDs), and
// a few context numbers (randomUUID, nanoid, a bare node:crypto HMAC, our generateId).

import cookieSignature from 'cookie-signature'
import uidSafe from 'uid-safe'
import { nanoid } from 'nanoid'
import { createHmac, randomUUID } from 'node:crypto'
import { Manager, Signer, generateId } from '../src/index'
import { MemoryStore } from '../src/stores/memory'
import { assert, sink, type Suite } from './harness'

/** Operations per timed call (see harness.ts). */
const B = 50

export function coreSuite(secret: string): Suite & { signer: Signer; sample: { id: string; value: string } } {
  const signer = new Signer([secret])
  const { sign: csSign, unsign: csUnsign } = cookieSignature

  // Inputs, each valid for its own library.
  const id = generateId()
  const ours = signer.sign(id)
  const theirs = csSign(id, secret)

  // Self-checks, outside the timed loops.
  assert(id.length === 32, `generateId() length ${id.length}`)
  assert(/^1\.[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/.test(ours), `our signed value ${ours}`)
  const v = signer.verify(ours)
  assert(v !== undefined && v.id === id && v.key === 0, `our verify of ${ours}: ${JSON.stringify(v)}`)
  assert(signer.verify(ours.slice(0, -1) + (ours.endsWith('A') ? 'B' : 'A')) === undefined, 'our verify rejects a tampered mac')
  assert(csUnsign(theirs, secret) === id, `cookie-signature unsign of ${theirs}`)
  assert(csUnsign(theirs.slice(0, -1) + (theirs.endsWith('A') ? 'B' : 'A'), secret) === false, 'cookie-signature rejects a tampered mac')
  const fresh = signer.newSignedId()
  assert(fresh.id.length === 32 && signer.verify(fresh.value)?.id === fresh.id, 'our newSignedId verifies')
  const uid = uidSafe.sync(24)
  assert(uid.length === 32 && csUnsign(csSign(uid, secret), secret) === uid, 'uid-safe + cookie-signature round trip')
  // cookie-signature uses standard base64 without '=', ours base64url: same HMAC bytes.
  const mac = createHmac('sha256', secret).update(id).digest('base64')
  assert(theirs === `${id}.${mac.replace(/=+$/, '')}`, 'createHmac matches cookie-signature (same secret, same MAC)')
  assert(typeof randomUUID() === 'string' && nanoid().length === 21, 'randomUUID / nanoid')

  // Manager.acquire with the cookie value handed to it already parsed (getCookie returns it): a
  // value verified before (the verified-cookie cache hits), and values seen for the first time
  // (the cache off, and a different value each call).
  const hooks = { getCookie: (_name: string, value: string) => value, setCookie: () => {} }
  const cached = new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [secret] })
  const uncached = new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [secret], verifiedCookies: 0 })
  const seen = Array.from({ length: 1024 }, () => signer.newSignedId().value)
  let next = 0
  // acquire awaits nothing unless autoCreate is off: its work is done when it returns.
  const acquire = (m: Manager, value: string) => (m.acquire(value, undefined, undefined, hooks) === undefined ? 0 : 1)
  void cached.acquire(ours, undefined, undefined, hooks).then((sess) => assert(sess.id === id && !sess.isNew, 'acquire (verified before) finds the ID'))
  void uncached.acquire(seen[0]!, undefined, undefined, hooks).then((sess) => assert(sess.id === signer.verify(seen[0]!)?.id, 'acquire (first sight) finds the ID'))

  return {
    signer,
    sample: { id, value: ours },
    contenders: [
      { name: 'ours sign', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += signer.sign(id).length } },
      { name: 'cookie-signature sign', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += csSign(id, secret).length } },
      {
        name: 'ours verify', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const r = signer.verify(ours); sink.n += r === undefined ? -1 : r.id.length } },
      },
      {
        name: 'cookie-signature unsign', batch: B,
        fn: () => { for (let i = 0; i < B; i++) { const r = csUnsign(theirs, secret); sink.n += r === false ? -1 : r.length } },
      },
      { name: 'ours acquire, value verified before', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += acquire(cached, ours) } },
      { name: 'ours acquire, first sight', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += acquire(uncached, seen[next++ & 1023]!) } },
      { name: 'ours newSignedId', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += signer.newSignedId().value.length } },
      {
        name: 'uid-safe sync(24) + sign', batch: B,
        fn: () => { for (let i = 0; i < B; i++) sink.n += csSign(uidSafe.sync(24), secret).length },
      },
      { name: 'ours generateId()', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += generateId().length } },
      { name: 'crypto.randomUUID()', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += randomUUID().length } },
      { name: 'nanoid()', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += nanoid().length } },
      {
        name: "createHmac('sha256').update(id).digest('base64url')", batch: B,
        fn: () => { for (let i = 0; i < B; i++) sink.n += createHmac('sha256', secret).update(id).digest('base64url').length },
      },
    ],
    rows: [
      { measure: 'sign a 32-char ID', ours: 'ours sign', theirs: 'cookie-signature sign', target: 4 },
      { measure: 'verify', ours: 'ours verify', theirs: 'cookie-signature unsign', target: 5 },
      { measure: 'acquire, value verified before (already parsed)', ours: 'ours acquire, value verified before', theirs: 'cookie-signature unsign', target: 6 },
      { measure: 'acquire, first sight of the value', ours: 'ours acquire, first sight', theirs: 'cookie-signature unsign' },
      { measure: 'new signed ID', ours: 'ours newSignedId', theirs: 'uid-safe sync(24) + sign', target: 8 },
    ],
    context: ['ours generateId()', 'crypto.randomUUID()', 'nanoid()', "createHmac('sha256').update(id).digest('base64url')"],
  }
}
