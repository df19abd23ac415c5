#!/usr/bin/env bash
# Installs what is missing, and nothing twice: Debian packages, the Python venv
# with the project's dependencies, and bun (the JavaScript runtime Reflex uses).
# Usage: scripts/setup.sh [run|test]   ("test" adds Chromium and the test extras)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- Debian packages -------------------------------------------------------
packages=(wkhtmltopdf fonts-ipaexfont poppler-utils curl)
# certutil: tests give pdfsig an NSS trust store holding the PDF-signing CA
if [ "$purpose" = "test" ]; then packages+=(chromium wrk libnss3-tools); fi
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
