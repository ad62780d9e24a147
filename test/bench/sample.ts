// A small made-up results object for the tests of bench/results.ts and bench/chart.ts: one row of
// each kind (a ratio target met and missed, no target, a lower-is-better ratio, a target on our
// own number). Not a measurement.

import { resultRow, type Results, type RowInput } from '../../bench/results'

export const micro = (measure: string, ours: number, theirs: number, target?: number): RowInput => ({
  section: 'micro',
  measure,
  unit: 'ns/op',
  ours,
  theirs,
  theirsName: 'cookie-signature sign',
  ratioOf: 'theirs/ours',
  better: 'higher',
  ...(target === undefined ? {} : { target: { op: '>=', value: target, of: 'ratio' } }),
})

export function sample(): Results {
  return {
    machine: { cpu: 'Example <CPU> & "Co" 3.0GHz', cores: 2, memoryGiB: 8, os: 'linux x64' },
    node: 'v20.20.2',
    date: '2026-12-06T13:00:00.000Z',
    seconds: 377,
    settings: {},
    skipped: [],
    rows: [
      resultRow(micro('sign a 32-char ID', 100, 450, 4)), // 4.5x, met
      resultRow(micro('verify <fast> & "exact"', 200, 300, 5)), // 1.5x, missed
      resultRow(micro('parse | the header', 50, 60)), // 1.2x, no target
      resultRow({
        section: 'http',
        measure: 'HTTP req/s',
        unit: 'req/s',
        ours: 9000,
        theirs: 10000,
        theirsName: 'same server, no sessions',
        ratioOf: 'ours/theirs',
        better: 'higher',
        target: { op: '>=', value: 0.9, of: 'ratio' },
        serverCpuUs: { ours: 20, theirs: 13.62 },
      }), // 0.9x, met
      resultRow({
        section: 'memory',
        measure: 'memory store, 8-field session',
        unit: 'bytes/session',
        ours: 400,
        theirs: 1600,
        theirsName: 'express-session MemoryStore',
        ratioOf: 'ours/theirs',
        better: 'lower',
        target: { op: '<=', value: 0.5, of: 'ratio' },
      }), // 0.25 ours/theirs: 4x in our favour, met
      resultRow({
        section: 'redis',
        measure: 'Redis round trips per request',
        unit: 'round trips/request',
        ours: 2,
        theirs: 3,
        theirsName: 'express-session + connect-redis',
        ratioOf: 'ours/theirs',
        better: 'lower',
        target: { op: '<=', value: 2, of: 'ours' },
      }), // 1.5x in our favour; the target bounds ours, met
    ],
  }
}

