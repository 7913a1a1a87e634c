"""tests/schedule/ru_strings.txt (English msgid TAB Russian msgstr, merged into locale/ru by the lead) is well formed."""

import re
from pathlib import Path

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_every_line_has_a_translation_with_the_same_placeholders():
    lines = (Path(__file__).parent / "ru_strings.txt").read_text(encoding="utf-8").splitlines()
    assert lines
    seen = set()
    for line in lines:
        msgid, msgstr = line.split("\t")
        assert msgid and msgstr and msgid not in seen, line
        seen.add(msgid)
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), line
