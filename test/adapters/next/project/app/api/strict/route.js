import { getSession, withSession } from 'simplesessions/adapters/next'
import { strict } from '../../../lib/session.js'

export const GET = withSession(strict, async () => {
  const session = await getSession(strict)
  if (session === null) return Response.json(null)
  const all = await session.getAll()
  return Response.json({ id: session.id, all })
})
