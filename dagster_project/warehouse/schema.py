"""DDL of the raw layer that Dagster loads and dbt reads (sources in dbt/models/staging/_sources.yml)."""

RAW_SCHEMA = "raw"

# No table of the raw layer has a PRIMARY KEY: DuckDB keeps such an index (ART) in memory, whole,
# outside what its memory limit can spill, and the load of a warehouse loads it, so the load's memory
# grew with the warehouse (report_cells: ~1.4 GB at 10,000 reports; parse_issues ~5 keys a report,
# reports one). The keys hold by construction (a report's rows are deleted before it is loaded again;
# a report_id is the sha256 of distinct bytes, or "path:" and the sha256 of its path), and the load
# checks report_id is unique before it commits (load.py).

# One row per source file seen under raw/ (loaded or quarantined). report_id is the sha256 of
# the file's bytes, so the same bytes under two names are one report with two paths.
REPORTS_DDL = """
create table if not exists raw.reports (
    report_id varchar not null,         -- sha256 of the file bytes; unique
    file_name varchar not null,         -- base name of the first path (sorted) holding these bytes
    file_paths varchar[] not null,      -- every path under raw/ holding these bytes, relative to raw/,
                                        -- readable form (file_paths_bytes has the exact bytes)
    size_bytes bigint not null,
    source_kind varchar,                -- text | html | pdf | docx
    encoding varchar,                   -- detected text encoding, when the input is text
    status varchar not null,            -- parsed | quarantined
    quarantine_reason varchar,          -- reason code when quarantined (docs/operations.md)
    quarantine_message varchar,
    format varchar,                     -- '2021' | '2019' (table 二 layout)
    table3_layout varchar,              -- '2021' | '2019' (table 三 (六) as 3 rows or 1 row)
    agency varchar,
    report_year integer,
    publish_date date,
    source_url varchar,
    fee_reported boolean,
    fee_charged boolean,
    fee_amount_yuan decimal(18, 2),
    fee_text_raw varchar,
    agency_year_key varchar,            -- normalized agency + year, the duplicate key
    duplicate_of varchar,               -- canonical report_id when this report duplicates another
    is_canonical boolean,
    parser_version varchar not null,
    loaded_at timestamp not null,
    script varchar,                     -- simplified | traditional (mirrors are often Traditional)
    file_paths_bytes blob[],            -- file_paths as the file system holds them (lossless)
    path_decoding varchar               -- how file_paths were made readable: utf-8 | gb18030 | escaped
)
"""

# One row per template cell of a parsed report (absent cells included, with value NULL), unique on
# (report_id, table_name, row_key, col_key). Cells are looked up by report_id, which a scan answers.
REPORT_CELLS_DDL = """
create table if not exists raw.report_cells (
    report_id varchar not null,
    table_name varchar not null,        -- table2 | table3 | table4
    row_key varchar not null,           -- e.g. granted, review, normative_issued
    col_key varchar not null,           -- table3: natural_person..total; table4: upheld..total; table2: value
    value decimal(20, 6),               -- NULL when blank, a placeholder, absent or unresolvable
    value_raw varchar,                  -- the cell text as read, NULL when the cell is absent
    source_line integer,
    source_offset bigint,
    source_page integer,
    value_status varchar not null,      -- read | inferred | blank | undetermined | absent (docs/querying.md)
    value_rule varchar                  -- inferred/undetermined: the identities that decided, or the reason
)
"""

# One row per issue the parser found in a report, unique on (report_id, issue_no).
PARSE_ISSUES_DDL = """
create table if not exists raw.parse_issues (
    report_id varchar not null,
    issue_no integer not null,
    code varchar not null,
    severity varchar not null,          -- error | warning | info
    message varchar not null,
    location varchar,
    cell varchar
)
"""

# The official template as data, so marts take their labels from the same table the parser uses.
TEMPLATE_ROWS_DDL = """
create table if not exists raw.template_rows (
    table_name varchar not null,
    format varchar not null,
    row_key varchar not null,
    col_key varchar not null,
    row_order integer not null,
    col_order integer not null,
    group_key varchar,
    group_order integer,
    label_zh varchar,
    label_en varchar,
    group_label_zh varchar,
    group_label_en varchar,
    col_label_zh varchar,
    col_label_en varchar,
    primary key (table_name, format, row_key, col_key)
)
"""

ALL_DDL = (REPORTS_DDL, REPORT_CELLS_DDL, PARSE_ISSUES_DDL, TEMPLATE_ROWS_DDL)
# What a table made with a primary key is rebuilt as (load.connect).
UNKEYED_DDL = {"reports": REPORTS_DDL, "report_cells": REPORT_CELLS_DDL, "parse_issues": PARSE_ISSUES_DDL}
