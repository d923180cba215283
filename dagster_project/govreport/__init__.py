"""The parser: report bytes in, a canonical record with provenance and issues out (no Dagster)."""

from . import native

native.install()
