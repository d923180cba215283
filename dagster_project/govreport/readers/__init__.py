"""Readers that turn HTML, PDF and DOCX bytes into the plain-text layout the parser reads."""

from .document import (
    NoTextLayer,
    ReaderError,
    TextDocument,
    UnreadableDocument,
    read_document,
    sniff_kind,
)

__all__ = ["NoTextLayer", "ReaderError", "TextDocument", "UnreadableDocument", "read_document", "sniff_kind"]
