"""The compact form of a document (analysis/text.py) against a plain per-character reference."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.analysis.text import compact


def _reference(doc: str, start: int = 0, end: int | None = None) -> tuple[str, list[int]]:
    """Every non-whitespace character NFKC-folded on its own (kept as is when it folds to several),
    with its offset in the document."""
    end = len(doc) if end is None else end
    chars, offsets = [], []
    for i in range(start, end):
        c = doc[i]
        if c.isspace():
            continue
        folded = unicodedata.normalize("NFKC", c)
        chars.append(folded if len(folded) == 1 else c)
        offsets.append(i)
    return "".join(chars), offsets


# Whitespace of every kind, full-width forms, ligatures, combining marks, CJK and ASCII.
ALPHABET = st.sampled_from(
    list(" \t\n\r\u3000\u00a0\u2003\u200b\x1c\x85")
    + list("ａＢ１２３（）：，。ﬁ①㈱ｶﾞ\u0301e\u0308")
    + list("政府信息公开年度报告人民政府办公室〶")
    + list("abcXYZ0189.,-:()")
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), st.data())
def test_compact_matches_reference(doc, data):
    start = data.draw(st.integers(0, len(doc)))
    end = data.draw(st.integers(start, len(doc)))
    c = compact(doc, start, end)
    text, offsets = _reference(doc, start, end)
    assert c.text == text
    for a in range(len(text) + 1):
        for b in range(a, len(text) + 1):
            if a >= len(offsets):
                want = (len(doc), len(doc))
            else:
                want = (offsets[a], offsets[b - 1] + 1 if b > a else offsets[a])
            assert c.span(a, b) == want


def test_compact_of_a_real_report():
    from pathlib import Path

    from dagster_project.analysis.text import document_text

    for path in sorted(Path("raw").glob("*.txt"))[:5]:
        doc = document_text(path.read_bytes(), path.name)
        if doc is None:
            continue
        c = compact(doc)
        text, offsets = _reference(doc)
        assert c.text == text
        assert [c.span(i, i + 1)[0] for i in range(len(text))] == offsets


def test_rename_prefilters_are_necessary():
    """name_mentions skips a pattern when its literal (or, for signatures, a date) is absent: each must
    be a text that every match contains."""
    from dagster_project.analysis.text import compiled, patterns

    rules = patterns()["renames"]
    assert rules["signature"].endswith("(?P<date>" + rules["signature_date"] + ")")
    samples = ["某某县财政局更名为某某县财政事务中心", "(原某某县林业局)", "某某县正式更名为某某区人民政府"]
    for pattern, literal in zip(rules["stated"], rules["stated_literals"], strict=True):
        for text in samples:
            for m in compiled(pattern).finditer(text):
                assert literal in m.group(0)
