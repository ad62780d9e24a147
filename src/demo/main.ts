// `npm start`: the demo app (./app.ts) on http://localhost:PORT (default 3000), on the store the
// environment picks:
//
//   npm start                                   the memory store
//   REDIS_URL=redis://localhost:6379 npm start  Redis (SESSION_STORE=redis alone: localhost:6379)
//   SESSION_STORE=cookie npm start              the sealed cookie store
//
// SESSION_SECRET (at least 32 bytes) signs the cookies; without it a random secret is used, so
// sessions end when the demo stops, whatever the store.

import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { createDemo, openDemoStore } from './app.js'

const secret = process.env.SESSION_SECRET || randomBytes(32).toString('base64url')
if (!process.env.SESSION_SECRET) console.log('SESSION_SECRET is not set: using a random one, so sessions end when the demo stops.')

const port = Number(process.env.PORT ?? 3000)

// Not a top-level await: the bundle is split (build/build.mjs), and a promise chain keeps it plain.
openDemoStore(process.env).then(
  ({ store, about }) => {
    console.log(`store: ${about}`)
    const { handle } = createDemo({ store, secret, about })
    createServer(handle).listen(port, () => console.log(`simplesessions demo on http://localhost:${port}/`))
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exitCode = 1
  },
)
