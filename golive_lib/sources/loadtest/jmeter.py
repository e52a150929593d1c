"""JMeter results: JTL files saved as CSV with a header row (JMeter's default).

Columns used: ``timeStamp`` (epoch milliseconds, when the sample started), ``elapsed``
(ms), ``success`` (true/false) are required; ``label``, ``allThreads`` (or
``grpThreads``) are used when present. The file is read in 16 MiB blocks cut at line
ends, each parsed by pyarrow, so memory does not grow with its length (a quoted field
holding a line break that straddles two blocks reads as a malformed row).

Ignored: responseCode (``success`` already says whether the sample passed its assertions),
failureMessage, bytes, Latency, Connect, threadName, URL. XML JTL files: `jmeter_xml`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from . import EmptyResult, LoadTest, LoadTestError, MalformedFile, MissingColumns
from ._buckets import Aggregator, line_blocks, load_test

REQUIRED = ("timeStamp", "elapsed", "success")
BLOCK_BYTES = 16 << 20  # read this much at a time; parsed in 1 MiB blocks in parallel


def header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            first = f.readline()
    except OSError as e:
        raise LoadTestError(path, f"cannot read: {e}") from e
    except UnicodeDecodeError as e:
        raise MalformedFile(path, f"not a text CSV file: {e}") from e
    if not first.strip():
        raise EmptyResult(path, "the file is empty")
    return next(csv.reader([first]))


def _explain(error: Exception, columns: list[str]) -> str:
    """pyarrow names columns by index: name them, and say how to fix a timestamp format."""
    message = str(error)
    m = re.search(r"column #(\d+)", message)
    column = columns[int(m.group(1))] if m and int(m.group(1)) < len(columns) else None
    if column:
        message = f"column {column}: {message}"
    if column == "timeStamp":
        message += (
            " (timeStamp must be epoch milliseconds: jmeter.save.saveservice.timestamp_format=ms)"
        )
    return message


def _add_batch(
    agg: Aggregator, batch: Any, path: Path, rows: int, labelled: bool, users_col: str | None
) -> None:
    """One record batch (after ``rows`` rows) into the aggregator."""
    import pyarrow.compute as pc

    t_ms = batch.column("timeStamp")
    ok = batch.column("success")
    if t_ms.null_count or ok.null_count or batch.column("elapsed").null_count:
        raise MalformedFile(
            path,
            f"empty timeStamp, elapsed or success between rows {rows + 1} and "
            f"{rows + batch.num_rows}",
        )
    t_s = t_ms.to_numpy() / 1000.0
    codes = keys = None
    if labelled:
        keyed = pc.dictionary_encode(pc.fill_null(batch.column("label"), ""))
        codes = keyed.indices.to_numpy(zero_copy_only=False)
        keys = [("", str(k)) for k in keyed.dictionary.to_pylist()]
    agg.add(
        t_s,
        batch.column("elapsed").to_numpy(zero_copy_only=False),
        ~ok.to_numpy(zero_copy_only=False),
        name_codes=codes,
        name_keys=keys,
    )
    if users_col:
        agg.add_users(t_s, batch.column(users_col).to_numpy(zero_copy_only=False))


def parse(path: str | Path, interval_s: float = 1.0) -> LoadTest:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    path = Path(path)
    columns = header(path)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise MissingColumns(path, missing, columns)
    users_col = next((c for c in ("allThreads", "grpThreads") if c in columns), None)
    wanted = [*REQUIRED, *(c for c in ("label", users_col) if c and c in columns)]
    types: dict[str, Any] = {
        "timeStamp": pa.int64(),
        "elapsed": pa.float64(),
        "success": pa.bool_(),
        "label": pa.string(),
    }
    if users_col:
        types[users_col] = pa.float64()
    agg = Aggregator(interval_s)
    rows = 0
    try:
        convert = pcsv.ConvertOptions(include_columns=wanted, column_types=types)
        for i, block in enumerate(line_blocks(path, BLOCK_BYTES)):
            table = pcsv.read_csv(
                io.BytesIO(block),
                read_options=pcsv.ReadOptions(
                    column_names=columns, skip_rows=1 if i == 0 else 0, block_size=1 << 20
                ),
                convert_options=convert,
            ).combine_chunks()
            if table.num_rows == 0:
                continue
            batch = table.to_batches()[0]
            if batch.num_rows == 0:
                continue
            _add_batch(agg, batch, path, rows, "label" in wanted, users_col)
            rows += batch.num_rows
    except LoadTestError:
        raise
    except pa.ArrowInvalid as e:
        raise MalformedFile(
            path, f"truncated or malformed CSV after {rows} good rows: {_explain(e, columns)}"
        ) from e
    except OSError as e:
        raise LoadTestError(path, f"cannot read: {e}") from e
    if agg.requests == 0:
        raise EmptyResult(path, "the header is there but no sample row follows")
    return load_test("jmeter", path, agg)
