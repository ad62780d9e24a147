// The adapter scenarios (test/adapters/suite.ts) through Fastify 5.
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import plugin from '../../src/adapters/fastify/index'
import { Manager } from '../../src/manager'
import { describeAdapter } from './suite'
import { startFastify } from './servers'

describeAdapter('Fastify 5', startFastify, { commitsForHandler: true, lateRejects: true })

describe('Fastify 5: request.startSession', () => {
  const apps: FastifyInstance[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
  })

  it('is the request prototype\'s method, never a property of each request, and starts a session of the plugin that ran', async () => {
    const app = Fastify()
    apps.push(app)
    await app.register(plugin, { manager: new Manager({ secrets: ['s'.repeat(32)], autoCreate: false, cookie: { secure: false } }) })
    app.get('/', async (request) => {
      const own = Object.hasOwn(request, 'startSession')
      const s = await request.startSession()
      await s.set('n', 1)
      return { own, same: request.session === s }
    })
    const r = await app.inject({ url: '/' })
    expect(r.json()).toEqual({ own: false, same: true })
    expect(r.cookies.map((c) => c.name)).toEqual(['session'])
  })
})
