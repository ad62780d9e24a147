// The adapter scenarios (test/adapters/suite.ts) through connect.
import { describeAdapter } from './suite'
import { startConnect } from './servers'

describeAdapter('connect', startConnect, { commitsForHandler: true, lateRejects: true })
