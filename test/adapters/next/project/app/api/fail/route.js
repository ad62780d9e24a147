import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// A 5xx after a write: withSession does not commit it.
export const POST = withSession(manager, async () => {
  const session = await getSession(manager)
  await session.set('lost', '5xx')
  return new Response('unavailable', { status: 503 })
})
