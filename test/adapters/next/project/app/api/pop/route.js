import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// Pops ?key: a flash value, read once (withSession commits the delete).
export const POST = withSession(manager, async (request) => {
  const session = await getSession(manager)
  const value = await session.pop(new URL(request.url).searchParams.get('key') ?? '')
  return Response.json({ value: value ?? null })
})
