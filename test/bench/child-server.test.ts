// The pinning helpers of bench/child-server.ts: the affinity list a section pins within.

import { describe, expect, it } from 'vitest'
import { cookieOf, cpuList } from '../../bench/child-server'

describe('child-server', () => {
  it('reads a CPU list as the CPUs it names, in order', () => {
    expect(cpuList('0,1')).toEqual([0, 1])
    expect(cpuList('0-3')).toEqual([0, 1, 2, 3])
    expect(cpuList('2-3,6, 8-9')).toEqual([2, 3, 6, 8, 9])
    expect(cpuList('5')).toEqual([5])
    expect(cpuList('')).toEqual([])
    expect(cpuList('0-1,x')).toEqual([0, 1])
  })

  it('takes the name=value pair of a Set-Cookie line', () => {
    expect(cookieOf('session=1.abc; Path=/; Max-Age=86400')).toBe('session=1.abc')
    expect(cookieOf('session=1.abc')).toBe('session=1.abc')
  })
})
