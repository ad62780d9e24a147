import { getSession } from 'simplesessions/adapters/next'
import { manager } from '../../lib/session.js'

// A server component reads the session.
export default async function Page() {
  const session = await getSession(manager)
  const all = await session.getAll()
  return <pre id="session">{JSON.stringify({ id: session.id, all })}</pre>
}
