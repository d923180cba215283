"""The refresh job and the sensor that starts it when files in raw/ change."""

import hashlib

import dagster as dg

from dagster_project.warehouse.files import fingerprint_entries
from dagster_project.warehouse.settings import Settings

refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Parse raw/, load DuckDB, dbt build, validate with Great Expectations, publish.",
    executor_def=dg.in_process_executor,  # one DuckDB writer: steps run one after another
)


def raw_fingerprint(raw_dir) -> str:
    """A digest of every entry's path bytes, type, size and mtime under ``raw_dir`` (cheap: no file is
    read; any name, FIFO or deep folder is fine: the same walk as the refresh's discovery)."""
    digest = hashlib.sha256()
    try:
        for line in fingerprint_entries(raw_dir):
            digest.update(line)
    except OSError as exc:  # raw/ missing or unlistable: a distinct state, the refresh reports it
        digest.update(f"error {exc.errno}".encode())
    return digest.hexdigest()


@dg.sensor(job=refresh_all, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def raw_files_sensor(context: dg.SensorEvaluationContext):
    """Request a refresh when a file in raw/ is added, changed or removed."""
    fingerprint = raw_fingerprint(Settings.from_env().raw_dir)
    if fingerprint == context.cursor:
        return dg.SkipReason("raw/ unchanged")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)


defs = dg.Definitions(jobs=[refresh_all], sensors=[raw_files_sensor])
