import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { probe, storedKey, storeKey, type Access, type Page } from './api.js'
import { InsightsPage } from './insights.js'
import { ReviewPage } from './review.js'
import { TryItPage } from './try-it.js'
import { WhatIfPage } from './what-if.js'

const PAGES: Array<[Page, string]> = [
  ['insights', 'Insights'],
  ['review', 'Review queue'],
  ['try', 'Try it'],
  ['whatif', 'Policy what-if']
]

function Login(props: { onKey: (key: string) => void; failed: boolean }) {
  const [key, setKey] = useState('')
  return (
    <main class="login">
      <div class="card">
        <h2>feedguard console</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault()
            props.onKey(key.trim())
          }}
        >
          <label for="api-key">API key</label>
          <input id="api-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} style="width:100%" />
          {props.failed && <p class="error" role="alert">That key was not accepted.</p>}
          <p>
            <button class="primary" type="submit">
              Open the console
            </button>
          </p>
        </form>
        <p class="legend">The key stays in this browser tab (sessionStorage) and is sent with every request.</p>
      </div>
    </main>
  )
}

function App() {
  const [access, setAccess] = useState<Access | 'unauthenticated' | undefined>(undefined)
  const [failed, setFailed] = useState(false)
  const [page, setPage] = useState<Page>('insights')
  const check = () =>
    probe().then((result) => {
      setAccess(result)
      if (result !== 'unauthenticated') setPage((current) => (result[current] ? current : (PAGES.find(([p]) => result[p])?.[0] ?? current)))
    })
  useEffect(() => void check(), [])

  if (access === undefined) return <main aria-busy="true">Loading…</main>
  if (access === 'unauthenticated') {
    return (
      <Login
        failed={failed}
        onKey={(key) => {
          storeKey(key)
          setFailed(Boolean(storedKey()))
          void check()
        }}
      />
    )
  }
  return (
    <>
      <header>
        <h1>feedguard console</h1>
        <nav aria-label="Pages">
          {PAGES.map(([id, title]) => (
            <button type="button" key={id} aria-current={page === id ? 'page' : undefined} disabled={!access[id]} title={access[id] ? undefined : 'not available with this key'} onClick={() => setPage(id)}>
              {title}
              {!access[id] && <span class="sr-only"> (unavailable with this key)</span>}
            </button>
          ))}
        </nav>
        <span class="spacer" />
        {storedKey() && (
          <button
            class="logout"
            type="button"
            onClick={() => {
              storeKey('')
              setFailed(false)
              void check()
            }}
          >
            Forget key
          </button>
        )}
      </header>
      <main>
        {!access[page] ? (
          <p class="unavailable">This page is not available with this key.</p>
        ) : page === 'insights' ? (
          <InsightsPage canModerate={access.review} />
        ) : page === 'review' ? (
          <ReviewPage />
        ) : page === 'try' ? (
          <TryItPage />
        ) : (
          <WhatIfPage />
        )}
      </main>
    </>
  )
}

render(<App />, document.getElementById('root')!)
