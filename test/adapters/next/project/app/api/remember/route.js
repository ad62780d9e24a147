import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// rememberMe(?value === 'true'): the cookie goes out again, with or without Max-Age.
export const POST = withSession(manager, async (request) => {
  const session = await getSession(manager)
  await session.rememberMe(new URL(request.url).searchParams.get('value') === 'true')
  return Response.json({ ok: true })
})
