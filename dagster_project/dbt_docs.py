"""``make docs`` (``govreport docs``): the dbt documentation site as static files.

``dbt docs generate --static`` renders every model, source and test with its description, its columns
(types from the working database) and the lineage graph into one self-contained ``index.html`` that a
browser opens from disk. It is written to ``dbt_docs/`` beside the published copy (switched atomically,
like the exports and GX's Data Docs in ``data_docs/``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dagster_project.dbt_project import DBT_DIR, dbt_env, dbt_executable
from dagster_project.warehouse.locking import refresh_lock
from dagster_project.warehouse.publisher import publish_directory
from dagster_project.warehouse.settings import Settings

LOCK_WAIT_SECONDS = 600.0


def dbt_docs_dir(settings: Settings) -> Path:
    return settings.published_path.parent / "dbt_docs"


def build(settings: Settings) -> Path:
    """Generate the site from the working database (under the refresh lock: dbt opens it for writing).

    Returns the path of its ``index.html``.
    """
    (DBT_DIR / "target").mkdir(exist_ok=True)
    with (
        refresh_lock(settings, wait=LOCK_WAIT_SECONDS),
        tempfile.TemporaryDirectory(prefix="docs-", dir=DBT_DIR / "target") as target,
    ):
        subprocess.run(
            [
                dbt_executable(),
                "docs",
                "generate",
                "--static",
                "--quiet",
                "--project-dir",
                str(DBT_DIR),
                "--profiles-dir",
                str(DBT_DIR),
                "--target-path",
                target,
            ],
            check=True,
            env=dbt_env() | {"GOVREPORT_DB": str(settings.db_path)},
            cwd=DBT_DIR,
        )

        def fill(folder: Path) -> None:
            folder.mkdir()
            shutil.copy(Path(target) / "static_index.html", folder / "index.html")  # opens from disk
            for name in ("manifest.json", "catalog.json"):  # for tools that read dbt's artifacts
                shutil.copy(Path(target) / name, folder / name)

        publish_directory(dbt_docs_dir(settings), fill)
    return dbt_docs_dir(settings) / "index.html"
