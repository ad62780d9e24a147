import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// Signs in ?user (the Manager's ownerKey is userId): a new ID, the session indexed under the user.
export const POST = withSession(manager, async (request) => {
  const session = await getSession(manager)
  await session.set('userId', new URL(request.url).searchParams.get('user') ?? '')
  await session.regenerate()
  await session.commit()
  return Response.json({ handle: session.handle ?? null })
})
