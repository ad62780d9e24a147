import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// The handler fails after a write: withSession does not commit it.
export const POST = withSession(manager, async () => {
  const session = await getSession(manager)
  await session.set('lost', 'thrown')
  throw new Error('handler failed')
})
