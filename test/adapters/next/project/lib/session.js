// One store and two managers for the whole server, kept on globalThis: Next may evaluate a
// module once per bundle (route handlers, pages, actions), and the scenarios check across them.
import { Manager } from 'simplesessions'
import { MemoryStore } from 'simplesessions/stores/memory'

const g = globalThis
const secrets = [process.env.SESSION_SECRET]

export const store = (g.nextTestStore ??= new MemoryStore())

/** The configured cookie the scenarios check attribute by attribute. */
export const manager = (g.nextTestManager ??= new Manager({
  store,
  secrets,
  cookie: { name: 'sid', path: '/', sameSite: 'strict', maxAge: 3600 },
  ownerKey: 'userId', // /api/login, /api/devices, /api/logout-others
}))

/** autoCreate off: no valid cookie gives no session. */
export const strict = (g.nextTestStrict ??= new Manager({ store, secrets, autoCreate: false, cookie: { name: 'strict' } }))
