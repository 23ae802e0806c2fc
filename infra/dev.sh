#!/usr/bin/env bash
# Bootstraps a machine that has Python and pip, then runs the demo or the test suite.
#   bash infra/dev.sh demo [saypro demo options]   install, then run `saypro demo`
#   bash infra/dev.sh test [pytest options]        install, then run the whole test suite
# Everything it installs is pinned: Python packages by uv.lock, front-end packages by
# package-lock.json. Debian's chromium (browser tests) is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
mode="${1:-}"
shift || true

if ! python3 -m uv --version 2>/dev/null | grep -q "^uv ${UV_VERSION}"; then
  # A distribution's own Python refuses system-wide installs (PEP 668): fall back to the
  # user's site-packages, which `python3 -m uv` also finds.
  python3 -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}" 2>/dev/null \
    || PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check \
      --user "uv==${UV_VERSION}"
fi
uv() { python3 -m uv "$@"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
# The OpenID provider the single sign-on tests run (oidc-provider) needs Node.js 20 or
# newer; a distribution's older Node.js gets a pinned Node.js 20 from the npm registry.
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 20 ]; then
  npm install --no-audit --no-fund --loglevel=error --prefix .saypro-data/node "node@20.20.2"
  export PATH="$PWD/.saypro-data/node/node_modules/.bin:$PATH"
fi
# Front-end libraries from the npm registry; postinstall copies them into the static folder.
npm ci --no-audit --no-fund --loglevel=error

# The project and its locked dependencies in .venv (editable, as a link tree that the
# type checker can follow; --reinstall-package picks up files added since last time).
uv sync --frozen --reinstall-package saypro --quiet

case "$mode" in
  demo)
    exec python3 -m uv run --frozen --no-sync saypro demo "$@"
    ;;
  test)
    if ! command -v chromium >/dev/null 2>&1; then
      apt_install chromium
    fi
    exec python3 -m uv run --frozen --no-sync python -m pytest "$@"
    ;;
  *)
    echo "usage: bash infra/dev.sh demo|test [options]" >&2
    exit 2
    ;;
esac
