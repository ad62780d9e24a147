// The Manager's first type parameter, the session's data type: which types it takes and what the
// Session's methods then accept. The lines marked @ts-expect-error are the check: `npm test`
// type-checks test/ with tsc, which fails on a marked line that compiles. The tests also run, so
// each marked line is known to be a type error only, not a runtime one.
//
// The parameter is constrained to SessionData (Record<string, Value>). TypeScript gives a type
// alias of an object type an implicit index signature and an interface none, so a plain interface
// is refused; one that extends SessionData inherits the index signature (and with it, any other
// key is allowed too, typed Value). SessionData's doc comment and the iron-session guide say so.

import { afterEach, describe, expect, it } from 'vitest'
import type { CookieAttributes } from '../../src/cookie'
import { Manager } from '../../src/manager'
import type { SessionData } from '../../src/session'
import { SECRET_A, closeManagers, fakeReq, fakeRes, track, type FakeReq, type FakeRes } from './harness'

type Alias = { userId: number; name: string }
interface Extended extends SessionData {
  userId: number
  name: string
}
interface Plain {
  userId: number
  name: string
}

const options = {
  secrets: [SECRET_A],
  getCookie: (name: string, req: FakeReq) => req.cookies[name],
  setCookie: (cookie: CookieAttributes, res: FakeRes) => {
    res.set.push(cookie)
  },
}

afterEach(async () => {
  await closeManagers()
})

describe('the session data type', () => {
  it('a type alias names the keys and their types', async () => {
    const sess = await track(new Manager<Alias, FakeReq, FakeRes>(options)).acquire(fakeReq(), fakeRes())
    // @ts-expect-error userId is a number
    await sess.set('userId', 'ada')
    // @ts-expect-error no such key
    expect(await sess.get('other')).toBeUndefined()
    await sess.set('userId', 42)
    const userId: number | undefined = await sess.get('userId')
    expect(userId).toBe(42)
  })

  it('an interface that extends SessionData names them too, and allows other keys', async () => {
    const sess = await track(new Manager<Extended, FakeReq, FakeRes>(options)).acquire(fakeReq(), fakeRes())
    // @ts-expect-error userId is a number
    await sess.set('userId', 'ada')
    await sess.setMulti({ userId: 7, name: 'ada' })
    const userId: number | undefined = await sess.get('userId')
    expect(userId).toBe(7)
    await sess.set('other', true) // the inherited index signature: any key, any Value
    expect(await sess.get('other')).toBe(true)
  })

  it('a plain interface is refused: it has no index signature', () => {
    // @ts-expect-error Type 'Plain' does not satisfy the constraint 'SessionData'
    const manager = track(new Manager<Plain, FakeReq, FakeRes>(options))
    expect(manager).toBeInstanceOf(Manager)
  })
})
