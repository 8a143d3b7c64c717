#!/bin/sh
# Extract the app's texts into playground/locale/messages.pot and merge them into every
# language's messages.po (new texts come in untranslated; tests/test_i18n.py says which).
set -e
cd "$(dirname "$0")/.."
pybabel extract -F babel.cfg -k N_ -k Text --no-location --sort-output \
    --project "Deep Learning Playground" -o playground/locale/messages.pot .
pybabel update -i playground/locale/messages.pot -d playground/locale --no-fuzzy-matching \
    --ignore-obsolete -w 100  # the .po files keep lines of up to 100 characters
