import { ApiError } from './api.js'

/** A failed request shown where its answer would be; 403 reads as "unavailable", not as an error. */
export function Problem(props: { error: unknown }) {
  const { error } = props
  if (error instanceof ApiError && error.status === 403) return <p class="unavailable">Not available with this key.</p>
  return (
    <p class="error" role="alert">
      {error instanceof ApiError ? `${error.code}: ${error.message}` : String(error)}
    </p>
  )
}
