"""Templates use Jinja's "newstyle" gettext, which always %-formats the message: a lone "%" in a message
crashes the page at render time (ValueError: incomplete format). Catch it here, not in front of a customer."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MESSAGE = re.compile(r"""_\(\s*(["'])(.*?)(?<!\\)\1""")
LONE_PERCENT = re.compile(r"%(?!\(|%)")


def test_no_template_message_has_a_lone_percent_sign():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for match in MESSAGE.finditer(path.read_text()):
            if LONE_PERCENT.search(match.group(2).replace("%%", "")):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(2)}")
    assert offenders == []


def test_the_check_itself_finds_a_lone_percent():
    assert LONE_PERCENT.search("add up to 100 %.".replace("%%", ""))
    assert not LONE_PERCENT.search("%(pct)s%% of it".replace("%%", ""))
