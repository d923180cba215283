"""Bytes to text: BOM sniffing, strict UTF-8, then charset detection (charset-normalizer)."""

from __future__ import annotations

import codecs
from typing import Final

from charset_normalizer import from_bytes


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can detect."""


# Detected legacy Chinese encodings are read with their superset, so rare characters survive.
_SUPERSETS: Final = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "big5": "big5hkscs"}


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for the raw bytes of a report."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    match = from_bytes(data).best()
    if match is None or match.encoding is None:
        raise UndecodableError("no text encoding fits these bytes")
    encoding = _SUPERSETS.get(match.encoding.lower().replace("_", ""), match.encoding)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return str(match), match.encoding
