"""Insure: online insurance sales (platform and direct channels) and automated claims."""

import os

# Every entry point (web, worker, CLI, tests) finds the Piccolo configuration inside the package, so it
# works from any directory and from an installed wheel; the root piccolo_conf.py re-exports it for
# the `piccolo` command line.
os.environ.setdefault("PICCOLO_CONF", "insure.piccolo_conf")
