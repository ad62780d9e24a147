// `npm start` until the web demo exists: shows what the core does, on this machine.
import { Signer, generateId, isValidId } from './index'

const signer = new Signer(['an old secret, still accepted for a while', 'the newest secret, used to sign new values'].reverse())
const { id, value } = signer.newSignedId()
console.log('new session id     ', id, `(${id.length} chars, 192 bits, valid: ${isValidId(id)})`)
console.log('signed cookie value', value)
console.log('verify             ', signer.verify(value))
console.log('tampered           ', signer.verify(value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A')))
const old = new Signer(['an old secret, still accepted for a while'])
console.log('old-key value      ', signer.verify(old.sign(id)), '(key 1: re-sign with the newest)')
const n = 200_000
let t = performance.now()
for (let i = 0; i < n; i++) signer.verify(value)
console.log(`verify: ${(((performance.now() - t) * 1e6) / n).toFixed(0)} ns each`)
t = performance.now()
for (let i = 0; i < n; i++) generateId()
console.log(`generateId: ${(((performance.now() - t) * 1e6) / n).toFixed(0)} ns each`)
