# Shared by scripts/dev and scripts/test: everything a new machine needs is installed here.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PRENOTA_CACHE=${PRENOTA_CACHE:-$HOME/.cache/prenota}
# One target directory outside the clone: a fresh clone (CI) reuses the last build.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PRENOTA_CACHE/target}
mkdir -p "$PRENOTA_CACHE" "$CARGO_TARGET_DIR"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# A Python venv with moto, cfn-lint and cargo-lambda, keyed by the requirements it was built from.
ensure_venv() {
  local requirements="$ROOT/tools/testing/requirements.txt"
  local key
  key=$(sha256sum "$requirements" | cut -c1-12)
  VENV="$PRENOTA_CACHE/venv-$key"
  if [ ! -x "$VENV/bin/moto_server" ]; then
    say "Installing the Python tools into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet -r "$requirements"
  fi
  export PATH="$VENV/bin:$PATH"
}

# checkov in a venv of its own, keyed likewise: it pins boto3, and moto's must not move.
ensure_checkov() {
  local requirements="$ROOT/tools/testing/requirements-checkov.txt"
  local key venv
  key=$(sha256sum "$requirements" | cut -c1-12)
  venv="$PRENOTA_CACHE/checkov-$key"
  if [ ! -x "$venv/bin/checkov" ]; then
    say "Installing checkov into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$requirements"
  fi
  CHECKOV="$venv/bin/checkov"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts moto (serialised, see tools/testing/moto_server.py) on $1 and waits until it answers.
# It is stopped when the calling script exits.
start_moto() {
  local port=$1
  say "Starting moto on 127.0.0.1:$port"
  python "$ROOT/tools/testing/moto_server.py" 127.0.0.1 "$port" >"$PRENOTA_CACHE/moto-$port.log" 2>&1 &
  MOTO_PID=$!
  trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/moto-api/data.json"; then
      export PRENOTA_AWS_ENDPOINT="http://127.0.0.1:$port"
      return 0
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      cat "$PRENOTA_CACHE/moto-$port.log" >&2
      return 1
    fi
    sleep 0.2
  done
  say "moto did not start; see $PRENOTA_CACHE/moto-$port.log"
  return 1
}

# poppler-utils (pdftoppm, pdftotext): the receipt tests render PDFs as a phone camera would
# see them, and read their text.
ensure_poppler() {
  if command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null; then
    return 0
  fi
  say "Installing poppler-utils (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq poppler-utils >/dev/null
}

# ---- The portal (portal/): Node.js, its packages, its build, Chromium for its browser tests ----

# Node.js 20 or newer with npm (Vite needs 20.19+): the machine's, else Debian's.
ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null &&
    [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
    return 0
  fi
  say "Installing Node.js and npm (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq nodejs npm >/dev/null
}

# Debian's Chromium for the browser tests (Playwright's own browser downloads are not used).
ensure_chromium() {
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    return 0
  fi
  say "Installing Chromium (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
}

# The portal's packages (npm ci, again only when package-lock.json changed) and its build into
# portal/dist, with Vite's progress on the terminal.
build_portal() {
  ensure_node
  (
    cd "$ROOT/portal"
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      say "Installing the portal's packages (npm ci)"
      npm ci --no-audit --no-fund --loglevel=error
    fi
    say "Building the portal (portal/dist)"
    npm run --silent build
  )
}
