// describeRedis: the describe of the suites that need Redis (the servers themselves come from
// ./process.ts, which the benchmarks share and which therefore has no vitest in it). Where Redis
// can be had the suite runs; where it cannot, it fails when Redis is required (CI=true or
// SIMPLESESSIONS_REQUIRE_REDIS=1) and is skipped otherwise, with a loud console.warn saying why.
// `cluster: true` also needs redis-server and redis-cli on PATH, even with REDIS_URL set.

import { describe, it } from 'vitest'
import { redisMissing } from './process'

/** In CI (or when asked to) a missing Redis is a failure, not a skip. */
export const requireRedis: boolean = process.env.CI === 'true' || process.env.SIMPLESESSIONS_REQUIRE_REDIS === '1'

const warned = new Set<string>()

/**
 * A describe for suites that need Redis. Where Redis cannot be had it fails (requireRedis) or
 * is skipped, loudly.
 */
export function describeRedis(name: string, fn: () => void, options: { cluster?: boolean } = {}): void {
  const why = redisMissing(options.cluster === true)
  if (why === undefined) {
    describe(name, fn)
    return
  }
  if (requireRedis) {
    describe(name, () => {
      it('needs Redis', () => {
        throw new Error(`${name}: ${why} (Redis is required here: CI=true or SIMPLESESSIONS_REQUIRE_REDIS=1)`)
      })
    })
    return
  }
  if (!warned.has(name)) {
    warned.add(name)
    const bar = '!'.repeat(100)
    console.warn(`\n${bar}\n!! SKIPPED: ${name}\n!! because ${why}.\n!! Set SIMPLESESSIONS_REQUIRE_REDIS=1 to make this a failure.\n${bar}\n`)
  }
  describe.skip(`${name} (skipped: ${why})`, fn)
}
