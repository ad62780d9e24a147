// The Express middleware called with request objects that are not node:http's (a unit test's
// stand-ins, another server's): req.startSession is then each request's own, never put on a
// prototype they share (Object.prototype).
import { describe, expect, it } from 'vitest'
import { Manager } from '../../src/manager'
import { MemoryStore } from '../../src/stores/memory'
import { session } from '../../src/adapters/express/index'
import { SECRET } from './suite'

describe('Express middleware, requests that are not IncomingMessage', () => {
  it('gives each such request its own startSession, and puts nothing on Object.prototype', async () => {
    const middleware = session(new Manager({ store: new MemoryStore(), secrets: [SECRET], autoCreate: false }))
    const requests: Record<string, unknown>[] = []
    for (let i = 0; i < 3; i++) {
      const req: Record<string, unknown> = { headers: {}, url: '/' }
      const res = { headersSent: false, getHeader: () => undefined, setHeader: () => undefined }
      const run = () => new Promise<void>((resolve, reject) => middleware(req as never, res as never, (err?: unknown) => (err ? reject(err) : resolve())))
      await run()
      if (i === 0) await run() // mounted twice (an app and a router): the second finds the first's slot
      requests.push(req)
    }
    for (const req of requests) {
      expect(Object.hasOwn(req, 'startSession')).toBe(true)
      expect(req.session).toBeNull()
    }
    expect('startSession' in {}).toBe(false)
    expect('session' in {}).toBe(false)
  })
})
