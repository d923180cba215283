"""``to_simplified`` skips OpenCC for a text without a character its t2s dictionaries hold.

The character set is data (``data/opencc_t2s.json``). These tests make it again from the installed
OpenCC's dictionaries (an upgrade that changes them fails here until the file is rebuilt with
``python -m dagster_project.govreport.opencc_keys``), and compare the shortcut with OpenCC itself on
every character, on random texts and on every line of the text fixtures.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from dagster_project.govreport import normalize, opencc_keys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DATA = json.loads(opencc_keys.DATA.read_text(encoding="utf-8"))
CHARS = DATA["chars"]
T2S = OpenCC("t2s")
# The planes where OpenCC's keys live: CJK ideographs and their extensions, compatibility
# ideographs, radicals, and the punctuation around them.
RANGES = [(0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
          (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F)]  # fmt: skip


def test_the_data_file_is_what_the_installed_opencc_gives():
    assert opencc_keys.build() == DATA


def test_the_set_holds_every_single_character_key_and_is_sorted():
    rows = [row for d in opencc_keys.dictionaries() for row in opencc_keys.entries(d)]
    singles = {key for key, _ in rows if len(key) == 1}
    assert singles <= set(CHARS)
    assert list(CHARS) == sorted(set(CHARS))
    # Every phrase key that changes text holds a character of the set: a text without one never
    # contains such a key.
    assert all(any(c in CHARS for c in key) for key, value in rows if len(key) > 1 and value != key)


def test_every_character_outside_the_set_is_left_alone_by_opencc():
    outside = [chr(o) for lo, hi in RANGES for o in range(lo, hi + 1) if chr(o) not in CHARS]
    assert len(outside) > 50_000
    for start in range(0, len(outside), 4096):
        chunk = "".join(outside[start : start + 4096])
        assert T2S.convert(chunk) == chunk
        if chunk[-1] <= "\uffff":  # beyond that plane the pattern takes every character
            assert normalize._CONVERTIBLE.search(chunk) is None


def test_every_character_of_the_set_is_found_by_the_pattern():
    # The pattern holds the Basic Multilingual Plane's characters as ranges and every character
    # beyond it; a range written wrongly would miss or add characters.
    bmp_class = set(CHARS) | {chr(o) for o in range(0x10000, 0x110000)}
    for lo, hi in [*RANGES, (0x20, 0x7E)]:
        for o in range(lo, hi + 1):
            assert (normalize._CONVERTIBLE.search(chr(o)) is not None) == (chr(o) in bmp_class), hex(o)


def test_to_simplified_is_opencc_on_each_character():
    for c in CHARS:
        assert normalize.to_simplified(c) == T2S.convert(c)
        assert normalize.to_simplified(f"本年度{c}政府信息") == T2S.convert(f"本年度{c}政府信息")


_SAMPLE = st.sampled_from(
    [
        *CHARS[::7],
        *"本年度政府信息公开申请数量予以公开部分不予处理行政复议诉讼总计其他",
        *"0123456789 -|\n,。",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SAMPLE, max_size=60).map("".join))
def test_to_simplified_is_opencc_on_random_texts(text):
    assert normalize.to_simplified(text) == T2S.convert(text)


def test_to_simplified_is_opencc_on_every_fixture_line():
    lines = 0
    for path in sorted(FIXTURES.rglob("*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            assert normalize.to_simplified(line) == T2S.convert(line), (path.name, line)
            lines += 1
    assert lines > 1000
