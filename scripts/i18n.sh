#!/usr/bin/env bash
# Re-extract the translatable strings and merge them into every catalog; see docs/i18n.md.
#
#   scripts/i18n.sh            update insure/locale/messages.pot and every insure/locale/*/LC_MESSAGES/messages.po
#   scripts/i18n.sh ja ...     also create the catalog of each new locale named on the command line
#
# Prints, for each catalog, how many entries still need a translation (empty or fuzzy).
set -euo pipefail

cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
PYTHON="${PYTHON:-.venv/bin/python}"
POT=insure/locale/messages.pot

# What is extracted, from where, with which keywords: babel.cfg. No locations and a sorted output keep
# the diffs small when code moves; a template syntax error stops the extraction (silent = false).
"$PYBABEL" --quiet extract -F babel.cfg --no-default-keywords -k _ -k N_ -k gettext -k ngettext:1,2 \
    --no-location --omit-header --sort-output --add-comments=Translators: \
    -o "$POT" .

for locale in "$@"; do
    if [[ ! -f "insure/locale/$locale/LC_MESSAGES/messages.po" ]]; then
        "$PYBABEL" --quiet init -i "$POT" -d insure/locale -l "$locale"
    fi
done

shopt -s nullglob
catalogs=(insure/locale/*/LC_MESSAGES/messages.po)
if (( ${#catalogs[@]} == 0 )); then
    echo "no catalogs under insure/locale/*/LC_MESSAGES/" >&2
    exit 1
fi

for po in "${catalogs[@]}"; do
    locale="$(basename "$(dirname "$(dirname "$po")")")"
    # No fuzzy matching: a changed English sentence must be translated again, not silently guessed.
    "$PYBABEL" --quiet update -i "$POT" -d insure/locale -l "$locale" \
        --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
done

"$PYTHON" - "${catalogs[@]}" <<'PY'
import sys

from babel.messages.pofile import read_po

for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    entries = [m for m in catalog if m.id]
    missing = [m.id for m in entries if m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string))]
    print(f"{path}: {len(entries)} entries, {len(missing)} untranslated")
    for msgid in missing:
        print(f"  - {msgid if isinstance(msgid, str) else msgid[0]!r}")
PY
