#!/usr/bin/env bash
# Installs what is missing, and nothing twice: Debian packages, the Python venv
# with the project's dependencies, and bun (the JavaScript runtime Reflex uses).
# Usage: scripts/setup.sh [run|test|bench]   ("test" adds Chromium, the test extras and axe-core;
# "bench" adds Lighthouse to those)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- Debian packages -------------------------------------------------------
packages=(wkhtmltopdf fonts-ipaexfont poppler-utils curl)
# certutil: tests give pdfsig an NSS trust store holding the PDF-signing CA
if [ "$purpose" = "test" ] || [ "$purpose" = "bench" ]; then packages+=(chromium wrk libnss3-tools); fi
# A Python 3.11 already on PATH (pyenv, python.org build) serves as well as Debian's.
command -v python3.11 >/dev/null 2>&1 || packages+=(python3 python3-venv python3-dev build-essential)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Python venv -----------------------------------------------------------
PYTHON="$(command -v python3.11 || command -v python3)"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
extras="test"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$extras"
if [ ! -f "$stamp" ]; then
  echo "==> installing Python dependencies"
  .venv/bin/pip install -q -e ".[$extras,bench]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# --- bun for Reflex (from the npm registry, project-local) -----------------
if [ ! -x .tools/node_modules/.bin/bun ]; then
  echo "==> installing bun into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@1 >/dev/null
fi

# --- axe-core (tests) and Lighthouse (bench/lighthouse.py), same registry, same folder -----
# axe-core is injected into every page by tests/browser/test_accessibility.py. Lighthouse
# 12.2.3: 13 wants Node 22 (Debian has 20).
if [ "$purpose" = "test" ] || [ "$purpose" = "bench" ]; then
  if [ ! -f .tools/node_modules/axe-core/axe.min.js ]; then
    echo "==> installing axe-core into .tools/"
    npm install --prefix .tools --no-audit --no-fund --loglevel=error axe-core@4 >/dev/null
  fi
fi
if [ "$purpose" = "bench" ] && [ ! -x .tools/node_modules/.bin/lighthouse ]; then
  echo "==> installing lighthouse into .tools/"
  npm install --prefix .tools --no-audit --no-fund --loglevel=error -E lighthouse@12.2.3 >/dev/null
fi
