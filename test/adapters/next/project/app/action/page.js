import { getSession } from 'simplesessions/adapters/next'
import { manager } from '../../lib/session.js'
import { remember } from './actions.js'

// The form posts to the server action without JavaScript (progressive enhancement); the page
// then renders in the same request and shows what the action stored.
export default async function Page() {
  const session = await getSession(manager)
  const remembered = (await session.get('remembered')) ?? null
  return (
    <form action={remember}>
      <input name="value" />
      <output id="remembered">{JSON.stringify(remembered)}</output>
      <button type="submit">Remember</button>
    </form>
  )
}
