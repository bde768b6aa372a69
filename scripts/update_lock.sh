#!/usr/bin/env bash
# Regenerate requirements.lock: the runtime dependencies of pyproject.toml, every one pinned with its hashes,
# which the Dockerfile installs with `pip install --require-hashes` (reproducible image builds).
#   scripts/update_lock.sh                        after changing dependencies in pyproject.toml (keeps the
#                                                 other pins as they are)
#   scripts/update_lock.sh --upgrade              the newest versions pyproject.toml allows
#   scripts/update_lock.sh --upgrade-package X    only X (and what it needs)
# Then rebuild the image and run the suite. pip-tools runs from its own virtualenv (LOCK_TOOLS, under /tmp by
# default), and pip reads no local configuration here: the lock names the public index's files only.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${LOCK_TOOLS:-${TMPDIR:-/tmp}/insure-lock-tools}"
if [ ! -x "$tools/bin/pip-compile" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q "pip-tools>=7.4,<8"
fi
env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND=scripts/update_lock.sh \
  "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
  --output-file requirements.lock "$@" pyproject.toml
echo "requirements.lock updated; check it with: python3 -m venv /tmp/lockcheck && /tmp/lockcheck/bin/pip install --require-hashes -r requirements.lock"
