import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

export const POST = withSession(manager, async () => {
  const session = await getSession(manager)
  const before = session.id
  await session.regenerate()
  return Response.json({ before, after: session.id, all: await session.getAll() })
})
