#!/usr/bin/env bash
# `npm run container:smoke`: runs the built image as production would (read-only root filesystem, a
# tmpfs at /tmp, no capabilities, a keys file from a read-only mount) beside a Redis of its own, and checks
# what an SRE relies on. Needs podman, redis-server and curl on the host; the image shares the host's
# network (a throwaway Redis on a free loopback port).
#
# Environment: IMAGE (default localhost/feedguard:latest), PODMAN_RUNTIME, PODMAN_ULIMITS.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/container/podman.sh

IMAGE=${IMAGE:-localhost/feedguard:latest}
started=$(date +%s)
work=$(mktemp -d)
container="feedguard-smoke-$$"
redis_pid=""
failures=0

cleanup() {
  "${PODMAN[@]}" rm --force --time 0 "$container" >/dev/null 2>&1 || true
  if [[ -n "$redis_pid" ]]; then kill "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "  ok   $1"; }
fail() {
  echo "  FAIL $1" >&2
  failures=$((failures + 1))
}
check() { # check <description> <command…>: passes when the command succeeds
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}
free_port() { node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

if ! "${PODMAN[@]}" image exists "$IMAGE"; then
  echo "container:smoke: no image $IMAGE: run npm run container:build first" >&2
  exit 1
fi

redis_port=$(free_port)
app_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

# A keys file as a Secret would mount it: one key allowed to score, its secret known only to this script.
secret=$(node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))")
mkdir -p "$work/keys"
node -e "
const hash = require('node:crypto').createHash('sha256').update(process.argv[1]).digest('hex')
console.log(JSON.stringify({ keys: [{ id: 'smoke', sha256: hash, scopes: ['score'] }] }))
" "$secret" >"$work/keys/keys.json"
chmod 755 "$work" "$work/keys"
chmod 644 "$work/keys/keys.json"

echo "container:smoke: $IMAGE (Redis on 127.0.0.1:$redis_port, service on 127.0.0.1:$app_port)"
"${PODMAN[@]}" run --detach --name "$container" "${ULIMITS[@]}" \
  --network host --read-only --tmpfs /tmp \
  --cap-drop ALL --security-opt no-new-privileges \
  --volume "$work/keys:/etc/feedguard/keys:ro" \
  --env AUTH_KEYS_FILE=/etc/feedguard/keys/keys.json \
  --env PORT="$app_port" \
  --env REDIS_URL="redis://127.0.0.1:$redis_port/0" \
  --env WORKERS=1 \
  "$IMAGE" >/dev/null 2>"$work/podman-run.log" || {
  cat "$work/podman-run.log" >&2
  exit 1
}

url="http://127.0.0.1:$app_port"
ready=""
for _ in $(seq 1 240); do
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" == 200 ]]; then
    ready=yes
    break
  fi
  if [[ "$("${PODMAN[@]}" inspect --format '{{.State.Running}}' "$container")" != true ]]; then break; fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  echo "container:smoke: the service did not become ready; its output:" >&2
  "${PODMAN[@]}" logs "$container" >&2 || true
  exit 1
fi
pass "/readyz answers 200 after $(($(date +%s) - started)) s"

status() { curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@"; }
body() { node -e "const b=JSON.parse(require('node:fs').readFileSync('$work/body','utf8'));process.exit(($1)?0:1)"; }
score_body='{"userId":"smoke-u1","items":[{"id":"v1","text":"a calm walk by the lake #nature"}]}'

check "/healthz answers 200" test "$(status "$url/healthz")" = 200

# Just after start, the event loop's delay sampled while the models loaded can still read as an overload: the
# service then sheds with 503 FG_OVERLOADED and Retry-After, and a caller retries, as this one does (10 s at most).
for _ in $(seq 1 10); do
  code=$(status -X POST "$url/v1/score" -H 'content-type: application/json' -H "authorization: Bearer $secret" --data "$score_body")
  [ "$code" = 503 ] && grep -q FG_OVERLOADED "$work/body" || break
  sleep 1
done
check "a scored request with a key answers 200 with a decision" \
  body "$code===200 && b.decisions.length===1 && b.decisions[0].id==='v1'"

code=$(status -X POST "$url/v1/score" -H 'content-type: application/json' --data "$score_body")
check "without a key: 401 FG_UNAUTHENTICATED with WWW-Authenticate: Bearer" \
  body "$code===401 && b.code==='FG_UNAUTHENTICATED' && /^www-authenticate: Bearer/im.test(require('node:fs').readFileSync('$work/headers','utf8'))"

code=$(status -X POST "$url/v1/score" -H 'content-type: application/json' -H 'authorization: Bearer not-a-key' --data "$score_body")
check "with an unknown key: 401" test "$code" = 401

check "the service runs as uid 1000 (gid 1000)" \
  "${PODMAN[@]}" exec "$container" grep -Eq '^Uid:\s+1000\s+1000\s+1000\s+1000$' /proc/1/status
check "the root filesystem is read-only (a write to /app fails)" \
  bash -c "! ${PODMAN[*]} exec $container sh -c 'touch /app/written' 2>/dev/null"
check "/tmp is writable (tmpfs)" "${PODMAN[@]}" exec "$container" sh -c 'touch /tmp/written'
check "the image's HEALTHCHECK passes" "${PODMAN[@]}" healthcheck run "$container" 2>/dev/null

# Without --read-only: the files themselves must not be writable by the service user.
writable=$("${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" "$IMAGE" find /app -writable)
check "nothing under /app is writable by uid 1000" test -z "$writable"
binaries=$("${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" "$IMAGE" sh -c 'ls -d node_modules/onnxruntime-node/bin/napi-v*/*/*')
check "only linux-x64 onnxruntime binaries ($(echo $binaries))" bash -c "! grep -qv '/linux/x64$' <<<'$binaries'"
check "npm start's prestart runs in the image without building" \
  "${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" "$IMAGE" npm run --silent prestart
refused=0
timeout 120 "${PODMAN[@]}" run --rm --no-healthcheck "${ULIMITS[@]}" --network host --env PORT="$(free_port)" "$IMAGE" >/dev/null 2>&1 || refused=$?
check "without a keys file the image refuses to start (exit 2: production needs keys)" test "$refused" = 2
check "OCI labels (version, revision)" \
  test -n "$("${PODMAN[@]}" image inspect --format '{{index .Labels "org.opencontainers.image.version"}}{{index .Labels "org.opencontainers.image.revision"}}' "$IMAGE")"

stop_started=$(date +%s)
"${PODMAN[@]}" stop --time 30 "$container" >/dev/null 2>>"$work/podman-run.log"
exit_code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$container")
check "SIGTERM: exits 0 (in $(($(date +%s) - stop_started)) s)" test "$exit_code" = 0

"${PODMAN[@]}" logs "$container" >"$work/logs" 2>&1
check "every line the service wrote is JSON ($(wc -l <"$work/logs") lines)" \
  node -e "for (const l of require('fs').readFileSync('$work/logs','utf8').split('\n').filter(Boolean)) JSON.parse(l)"

if ((failures > 0)); then
  echo "container:smoke: $failures check(s) failed; the service's output:" >&2
  cat "$work/logs" >&2
  exit 1
fi
echo "container:smoke: all checks passed in $(($(date +%s) - started)) s"
