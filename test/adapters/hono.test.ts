// The adapter scenarios (test/adapters/suite.ts) through Hono (node server).
import { describeAdapter } from './suite'
import { startHono } from './servers'

describeAdapter('Hono (node server)', startHono, { commitsForHandler: true, lateRejects: true })
