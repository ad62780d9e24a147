import { describe, expect, it } from 'vitest'
import { Attachment } from '../src/attach'
import { Manager } from '../src/manager'
import { MemoryStore } from '../src/stores/memory'

describe('Attachment: state kept per request object', () => {
  it('gives back what was set on that object, and nothing for another', () => {
    const a = new Attachment<number>('n')
    const x = {}
    const y = {}
    a.set(x, 1)
    expect(a.get(x)).toBe(1)
    expect(a.get(y)).toBeUndefined()
    a.set(x, 2)
    expect(a.get(x)).toBe(2)
  })

  it('is invisible to Object.keys, for-in and JSON', () => {
    const a = new Attachment<object>('secret')
    const x: Record<string, unknown> = { k: 1 }
    a.set(x, { id: 'not for logs' })
    expect(Object.keys(x)).toEqual(['k'])
    expect(JSON.stringify(x)).toBe('{"k":1}')
    const seen: string[] = []
    for (const k in x) seen.push(k)
    expect(seen).toEqual(['k'])
  })

  it('an object made from another with Object.create is another object', () => {
    const a = new Attachment<string>('s')
    const parent = {}
    a.set(parent, 'parent')
    const child = Object.create(parent) as object
    expect(a.get(child)).toBeUndefined()
    a.set(child, 'child')
    expect(a.get(child)).toBe('child')
    expect(a.get(parent)).toBe('parent')
  })

  it('an object made from a frozen one that has a value takes a value of its own', () => {
    const a = new Attachment<string>('s')
    const parent = {}
    a.set(parent, 'parent')
    Object.freeze(parent)
    const child = Object.create(parent) as object
    expect(a.get(child)).toBeUndefined()
    a.set(child, 'child')
    expect(a.get(child)).toBe('child')
    a.set(child, 'again')
    expect(a.get(child)).toBe('again')
    expect(a.get(parent)).toBe('parent')
  })

  it('has nothing for null, undefined or a primitive (a method called without its object)', () => {
    const a = new Attachment<number>('n')
    for (const v of [null, undefined, 'req', 1]) expect(a.get(v as unknown as object)).toBeUndefined()
  })

  it('two attachments of one name do not see each other', () => {
    const a = new Attachment<string>('same')
    const b = new Attachment<string>('same')
    const x = {}
    a.set(x, 'a')
    expect(b.get(x)).toBeUndefined()
  })

  it.each([
    ['frozen', (o: object) => Object.freeze(o)],
    ['sealed', (o: object) => Object.seal(o)],
    ['not extensible', (o: object) => Object.preventExtensions(o)],
  ])('works on an object that cannot take a property (%s)', (_name, lock) => {
    const a = new Attachment<number>('n')
    const x = lock({})
    a.set(x, 1)
    expect(a.get(x)).toBe(1)
    a.set(x, 2)
    expect(a.get(x)).toBe(2)
    expect(Object.getOwnPropertySymbols(x)).toEqual([])
  })

  it('an object frozen after its first value keeps taking new ones', () => {
    const a = new Attachment<number>('n')
    const x = {}
    a.set(x, 1)
    Object.freeze(x)
    a.set(x, 2)
    expect(a.get(x)).toBe(2)
  })
})

describe('Manager ctx on objects that cannot take a property', () => {
  it('acquire with the same frozen ctx gives the same Session', async () => {
    const m = new Manager({ store: new MemoryStore(), secrets: ['x'.repeat(32)], getCookie: () => undefined, setCookie: () => {} })
    const ctx = Object.freeze({})
    const a = await m.acquire({}, {}, ctx)
    expect(await m.acquire({}, {}, ctx)).toBe(a)
    expect(await m.acquire({}, {}, {})).not.toBe(a)
    await m.close()
  })
})
