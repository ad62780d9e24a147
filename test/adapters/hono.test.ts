// The adapter scenarios (test/adapters/suite.ts) through Hono (node server).
import { describeAdapter } from './suite'
import { startHono } from './servers'

describeAdapter('Hono (node server)', startHono, { commitsForHandler: true, lateRejects: true })

import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { Manager } from '../../src/manager'
import { MemoryStore } from '../../src/stores/memory'
import { session } from '../../src/adapters/hono/index'
import { SECRET } from './suite'

describe('Hono: the response the handler returns', () => {
  const app = () => {
    const a = new Hono()
    a.use(session(new Manager({ store: new MemoryStore(), secrets: [SECRET], cookie: { name: 'sid' } })))
    return a
  }

  // Response.redirect and a fetch() response have immutable Headers: the adapter must copy them
  // (through Hono) to add the cookie, and keep what they carried.
  it('an immutable Response (Response.redirect) gets the cookie and Vary, and keeps its Location', async () => {
    const a = app()
    a.get('/', async (c) => {
      await c.var.session.set('n', 1)
      return Response.redirect('http://127.0.0.1/next', 303)
    })
    const r = await a.request('/')
    expect(r.status).toBe(303)
    expect(r.headers.get('location')).toBe('http://127.0.0.1/next')
    expect(r.headers.getSetCookie().filter((l) => l.startsWith('sid='))).toHaveLength(1)
    expect(r.headers.get('vary')).toMatch(/cookie/i)
  })

  // Read the body before the headers: @hono/node-server's light Response (the global Response once
  // its server has started) rebuilds itself from its constructor arguments when the body is read,
  // so headers changed in place on it would be lost there.
  it("a Response of the handler's own keeps its status, body and headers, and gets the cookie and Vary", async () => {
    const a = app()
    a.get('/', async (c) => {
      await c.var.session.set('n', 1)
      return new Response('body', { status: 201, headers: { vary: 'Accept', 'x-own': '1' } })
    })
    const r = await a.request('/')
    expect(r.status).toBe(201)
    expect(await r.text()).toBe('body')
    expect(r.headers.get('x-own')).toBe('1')
    expect(r.headers.get('vary')).toBe('Accept, Cookie')
    expect(r.headers.getSetCookie().filter((l) => l.startsWith('sid='))).toHaveLength(1)
  })
})
