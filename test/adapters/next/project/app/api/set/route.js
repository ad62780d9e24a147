import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// Sets every query parameter; two getSession calls share one Session.
export const POST = withSession(manager, async (request) => {
  const session = await getSession(manager)
  const again = await getSession(manager)
  await session.setMulti(Object.fromEntries(new URL(request.url).searchParams))
  return Response.json({ id: session.id, same: session === again })
})
