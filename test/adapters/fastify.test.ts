// The adapter scenarios (test/adapters/suite.ts) through Fastify 5.
import { describeAdapter } from './suite'
import { startFastify } from './servers'

describeAdapter('Fastify 5', startFastify, { commitsForHandler: true, lateRejects: true })
