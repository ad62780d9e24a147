import { getSession } from 'simplesessions/adapters/next'
import { isSessionError } from 'simplesessions'
import { manager } from '../../lib/session.js'

// A server component cannot set a cookie: a commit or regenerate that must send one rejects
// with HEADERS_SENT, writing nothing.
export default async function Page({ searchParams }) {
  const { op = 'commit' } = await searchParams
  const session = await getSession(manager)
  const before = session.id
  let outcome = 'done'
  try {
    if (op === 'regenerate') {
      await session.regenerate()
    } else {
      await session.set('fromPage', 'written by a page')
      await session.commit()
    }
  } catch (err) {
    outcome = isSessionError(err) ? err.code : String(err)
  }
  return <pre id="outcome">{JSON.stringify({ outcome, before, after: session.id })}</pre>
}
