// The adapter scenarios (test/adapters/suite.ts) through node:http, bare hooks, explicit commit.
import { describeAdapter } from './suite'
import { startNode } from './servers'

describeAdapter('node:http, bare hooks, explicit commit', startNode, { commitsForHandler: false, lateRejects: true })
