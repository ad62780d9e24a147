// The adapter scenarios (test/adapters/suite.ts) through fetch (Request, Headers; Hono's node server), bare hooks, explicit commit.
import { describeAdapter } from './suite'
import { startFetch } from './servers'

describeAdapter('fetch (Request and Headers on the node server of Hono), bare hooks, explicit commit', startFetch, { commitsForHandler: false, lateRejects: false })
