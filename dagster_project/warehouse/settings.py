"""Where the warehouse lives. One env var names the working database for Dagster, dbt and tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # a report is a few hundred KB; 50 MB is surely not one
# Per-file parse budget: a real report parses in well under a second and a few hundred MB.
DEFAULT_PARSE_SECONDS = 30.0
DEFAULT_PARSE_MEMORY_MB = 1024


@dataclass(frozen=True)
class Settings:
    db_path: Path  # the working DuckDB file (GOVREPORT_DB)
    raw_dir: Path  # input folder, never modified (GOVREPORT_RAW)
    max_bytes: int = DEFAULT_MAX_BYTES
    publish_storage_version: str | None = "v1.4.0"  # readable by DuckDB 1.4+ BI drivers
    parse_seconds: float | None = DEFAULT_PARSE_SECONDS  # GOVREPORT_PARSE_TIMEOUT; None: no limit
    parse_memory_mb: int | None = DEFAULT_PARSE_MEMORY_MB  # GOVREPORT_PARSE_MEMORY_MB; None: no limit

    @property
    def published_path(self) -> Path:
        """The read-only copy for SQL users and BI tools, replaced atomically after each refresh."""
        return self.db_path.with_name("published.duckdb")

    @property
    def lock_path(self) -> Path:
        return self.db_path.with_name(self.db_path.name + ".refresh.lock")

    @classmethod
    def from_env(cls) -> Settings:
        version = os.environ.get("GOVREPORT_PUBLISH_STORAGE_VERSION", "v1.4.0")
        return cls(
            db_path=Path(
                os.environ.get("GOVREPORT_DB", REPO_ROOT / "warehouse" / "warehouse.duckdb")
            ).resolve(),
            raw_dir=Path(os.environ.get("GOVREPORT_RAW", REPO_ROOT / "raw")).resolve(),
            max_bytes=int(os.environ.get("GOVREPORT_MAX_BYTES", DEFAULT_MAX_BYTES)),
            publish_storage_version=version or None,
            parse_seconds=float(os.environ.get("GOVREPORT_PARSE_TIMEOUT", DEFAULT_PARSE_SECONDS)) or None,
            parse_memory_mb=int(os.environ.get("GOVREPORT_PARSE_MEMORY_MB", DEFAULT_PARSE_MEMORY_MB)) or None,
        )
