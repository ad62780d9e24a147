// The adapter scenarios (test/adapters/suite.ts) through Express 5.
import { describeAdapter } from './suite'
import { startExpress5 } from './servers'

describeAdapter('Express 5', startExpress5, { commitsForHandler: true, lateRejects: true })
