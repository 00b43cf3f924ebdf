"""The bad-input corpus: each file once stopped a whole ingest with a traceback or loaded wrong data.

Every case runs the real CLI and states what a user sees: exit 0 with the
record rejected and named, exit 1 with an error naming the file, or the data
loaded right.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli import cli
from tests.functional.test_first_hour_ingest import rows

TRACK = '{"type":"track","userId":"u1","event":"A","timestamp":"2026-01-05T10:00:00Z"}'  # no messageId: keyed by content


@pytest.fixture
def project(tmp_path) -> Path:
    cli("init", str(tmp_path / "p"))
    return tmp_path / "p"


def load(project: Path, path: Path, kind: str, code: int = 0) -> dict:
    return cli("ingest", str(path), "--kind", kind, "--project", str(project), code=code)


@pytest.mark.parametrize("column", ["line", "raw", "bad", "utf8_ok", "shape_error", "reject_field", "_ll_line"])
def test_columns_named_like_leadlight_internals_are_plain_attributes(project, tmp_path, column):
    path = tmp_path / "accounts.csv"
    path.write_text(f"account_id,{column}\na1,x\na2,\n")
    report = load(project, path, "accounts")
    assert (report["loaded"], report["rejected"]) == (2, 0)
    name = column.lstrip("_")
    assert rows(project, f'SELECT account_id, "{name}" FROM accounts ORDER BY 1') == [("a1", "x"), ("a2", None)]


@pytest.mark.parametrize("column", ["line", "raw", "bad", "utf8_ok", "shape_error"])
def test_an_events_csv_with_internal_column_names_loads(project, tmp_path, column):
    path = tmp_path / "events.csv"
    path.write_text(f"user_id,event,timestamp,{column}\nu1,A,2026-01-05T10:00:00Z,7\n")
    assert load(project, path, "events")["loaded"] == 1


def test_an_employee_count_past_int64_rejects_the_row_and_names_the_field(project, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,employees\na1,99999999999999999999\na2,40\n")
    report = load(project, path, "accounts")
    assert (report["loaded"], report["rejected"]) == (1, 1)
    [error] = report["errors"]
    assert (error["line"], error["field"]) == (2, "employees") and "99999999999999999999" in error["message"]


def _truncated_gzip(path: Path) -> Path:
    whole = gzip.compress((TRACK + "\n").encode() * 2000)
    path.write_bytes(whole[: len(whole) // 2])
    return path


@pytest.mark.parametrize(("name", "make", "words"), [
    ("events.ndjson.gz", _truncated_gzip, "gzip data is truncated or damaged"),
    ("events.ndjson.gz", lambda p: p.write_text(TRACK + "\n") and p, "is named .gz but is not gzip-compressed"),
    ("events.ndjson", lambda p: p.write_bytes(gzip.compress(TRACK.encode())) and p, "looks compressed (gzip)"),
    ("users.csv.gz", lambda p: p.write_text("user_id\nu1\n") and p, "is named .gz but is not gzip-compressed"),
])
def test_compression_problems_name_the_file_and_exit_1(project, tmp_path, name, make, words):
    path = tmp_path / name
    make(path)
    kind = "users" if name.startswith("users") else "events"
    report = load(project, path, kind, code=1)
    assert report["error"] == "InputError" and words in report["message"] and str(path) in report["message"]


def test_excel_trailing_empty_columns_load(project, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,name,,\r\na1,Acme,,\r\na2,Globex,,\r\n,,,\r\n")
    report = load(project, path, "accounts")
    assert (report["loaded"], report["rejected"]) == (2, 0)
    assert rows(project, "SELECT account_id, name FROM accounts ORDER BY 1") == [("a1", "Acme"), ("a2", "Globex")]


@pytest.mark.parametrize(("name", "kind", "text"), [
    ("events.ndjson", "events", TRACK + "\r" + TRACK.replace('"A"', '"B"') + "\r"),
    ("accounts.csv", "accounts", "account_id,name\ra1,Acme\ra2,Globex\r"),
])
def test_lone_cr_line_endings_load(project, tmp_path, name, kind, text):
    path = tmp_path / name
    path.write_bytes(text.encode())
    report = load(project, path, kind)
    assert (report["loaded"], report["rejected"]) == (2, 0)


def test_parquet_properties_stored_as_a_struct_are_kept_as_json(project, tmp_path):
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"user_id": ["u1"], "event": ["Export Run"], "timestamp": ["2026-01-05T10:00:00Z"],
                             "properties": pa.array([{"rows": 120, "format": "csv"}])}), path)
    assert load(project, path, "events")["loaded"] == 1
    assert json.loads(rows(project, "SELECT properties FROM events")[0][0]) == {"rows": 120, "format": "csv"}


def test_the_same_messages_with_lf_crlf_and_a_bom_load_once(project, tmp_path):
    lines = [TRACK, TRACK.replace('"A"', '"B"')]
    (tmp_path / "unix.ndjson").write_text("\n".join(lines) + "\n")
    (tmp_path / "windows.ndjson").write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode())
    assert load(project, tmp_path / "unix.ndjson", "events")["loaded"] == 2
    report = load(project, tmp_path / "windows.ndjson", "events")
    assert (report["loaded"], report["duplicates"], report["rejected"]) == (0, 2, 0)


@pytest.mark.parametrize(("stamp", "loaded"), [
    ("2026-01-05T10:00:00+25:00", False), ("2026-01-05T10:00:00-19:00", False), ("2026-01-05T10:00:00+18:30", False),
    ("2026-01-05t10:00:00z", True), ("2026-01-05T10:00:00z", True), ("2026-01-05T10:00:00+14:00", True),
    ("2026-01-05 10:00:00+0530", True),
])
@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_offsets_out_of_range_are_refused_and_lower_case_t_z_accepted(project, tmp_path, stamp, loaded, fmt):
    path = tmp_path / f"events.{fmt}"
    if fmt == "ndjson":
        path.write_text(TRACK.replace("2026-01-05T10:00:00Z", stamp) + "\n")
    else:
        path.write_text(f"user_id,event,timestamp\nu1,A,{stamp}\n")
    report = load(project, path, "events")
    assert report["loaded"] == int(loaded)
    if not loaded:
        assert "UTC offset out of range" in report["errors"][0]["message"]


def test_a_value_with_square_brackets_is_quoted_whole_in_the_error(project, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,employees\na[/oops],many [b]\n")
    result = load(project, path, "accounts")
    assert result["rejected"] == 1 and "many [b]" in result["errors"][0]["message"]
