// The adapter scenarios (test/adapters/suite.ts) through Express 4.
import { describeAdapter } from './suite'
import { startExpress4 } from './servers'

describeAdapter('Express 4', startExpress4, { commitsForHandler: true, lateRejects: true })
