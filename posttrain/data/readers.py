"""Read rows from JSONL, JSON, Parquet, CSV files, folders of them, or a `datasets` name.

Every row comes with its location (`file:line` or `file:row N`) so that a bad row can be named
exactly in the error. Nothing is unpickled: Parquet and CSV go through pyarrow/csv, `datasets`
loads Arrow files.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from posttrain.core.files import write_text_atomic

SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")


class DataError(ValueError):
    """Bad input data; the message names file, line/row, field, what was expected and found."""


def read_records(source: str, split: str = "train", errors: str = "raise") -> Iterator[tuple[dict, str]]:
    """Yield `(row, location)` pairs from a file, a folder of files, or a `datasets` name.

    A row that cannot be parsed raises DataError, or with errors="yield" is yielded as the
    DataError itself (so callers can skip it and go on). Several sources joined by commas
    ("a.jsonl,b.jsonl") are read one after the other (a path that exists as written is one source)."""
    if "," in source and not Path(source).exists():
        for part in source.split(","):
            yield from read_records(part.strip(), split, errors)
        return
    path = Path(source)
    if path.is_dir() and not any(path.glob("dataset_info.json")) and not any(path.glob("*/dataset_info.json")):
        files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES)
        if not files:
            raise DataError(f"{source}: folder has no {', '.join(SUFFIXES)} files")
        for f in files:
            yield from read_records(str(f), split, errors)
        return
    if path.is_file():
        reader = {".jsonl": _jsonl, ".json": _json, ".parquet": _parquet, ".csv": _csv}.get(path.suffix)
        if reader is None:
            raise DataError(f"{source}: unsupported file type {path.suffix!r} (expected one of {', '.join(SUFFIXES)})")
        yield from reader(path, errors)
        return
    if path.suffix in SUFFIXES:
        raise DataError(f"{source}: file not found")
    yield from _hf_dataset(source, split)


def _decode(raw: bytes, where: str, first: bool = False) -> str:
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{where}: invalid UTF-8 (byte 0x{raw[e.start]:02x} at column {e.start + 1}); "
                        "save the file as UTF-8") from None


def _jsonl(path: Path, errors: str):
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            where = f"{path}:{n}"
            try:
                line = _decode(raw, where, n == 1)
                if not line.strip():
                    continue
                row = _parse(line, where)
                if not isinstance(row, dict):
                    raise DataError(f"{where}: expected a JSON object, found {type(row).__name__}")
            except DataError as e:
                if errors != "yield":
                    raise
                row = e
            yield row, where


def _parse(text: str, where: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        line = "" if e.lineno == 1 else f" line {e.lineno}"
        raise DataError(f"{where}: invalid JSON ({e.msg} at{line} column {e.colno})") from None
    except (ValueError, RecursionError) as e:  # integers over 4300 digits; nesting deeper than the parser's stack
        raise DataError(f"{where}: invalid JSON ({type(e).__name__}: {str(e)[:80]})") from None


def _json(path: Path, errors: str):
    # undecodable bytes become lone surrogates, refused by the row's field check: the other rows stay usable
    data = _parse(path.read_bytes().decode("utf-8-sig", "surrogateescape"), str(path))
    if isinstance(data, dict):  # {"data": [...]} or {"train": [...]} wrappers
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise DataError(f"{path}: expected a list of rows (or an object holding one list), found an object with keys {list(data)[:5]}")
        data = lists[0]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a list of rows, found {type(data).__name__}")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            row = DataError(f"{path}: row {i}: expected an object, found {type(row).__name__}")
            if errors != "yield":
                raise row
        yield row, f"{path}: row {i}"


def _parquet(path: Path, errors: str):
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001 - pyarrow has its own error types (ArrowInvalid, OSError, ...)
        raise DataError(f"{path}: not a readable Parquet file ({type(e).__name__}: {str(e)[:120]})") from None
    for i, row in enumerate(table.to_pylist()):
        yield row, f"{path}: row {i}"


def _csv(path: Path, errors: str):
    """Rows located by the line they start on: a quoted cell may span lines, so lines are counted."""
    bad: dict[int, DataError] = {}

    def lines(f):
        for n, raw in enumerate(f, 1):
            try:
                yield _decode(raw, f"{path}:{n}", n == 1)
            except DataError as e:  # kept to fail the row that holds the line, so the rest can be read
                bad[n] = e
                yield raw.decode("utf-8", "replace")

    # the default cell limit (128 KB) refuses long documents that JSONL would take
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    with open(path, "rb") as f:
        reader = csv.reader(lines(f))
        try:
            header = next(reader, None) or []
            if bad:  # a header that cannot be read spoils every row
                raise bad[min(bad)]
            start = reader.line_num + 1
            for cells in reader:
                where, end = f"{path}:{start}", reader.line_num
                row = _csv_row(header, cells, where, [bad[n] for n in range(start, end + 1) if n in bad])
                start = end + 1
                if row is None:
                    continue
                if isinstance(row, DataError) and errors != "yield":
                    raise row
                yield row, where
        except csv.Error as e:
            raise DataError(f"{path}:{reader.line_num}: invalid CSV ({e})") from None


def _csv_row(header: list[str], cells: list[str], where: str, bad: list[DataError]):
    """A dict row like csv.DictReader's (missing cells are None), None for a blank line, or the DataError."""
    if bad:
        return bad[0]
    if not cells:
        return None
    if len(cells) > len(header):
        return DataError(f"{where}: expected at most {len(header)} columns (the header's), found {len(cells)}")
    return dict(zip(header, cells + [None] * (len(header) - len(cells))))


def _hf_dataset(name: str, split: str):
    try:
        import datasets
    except ImportError:
        raise DataError(f"{name}: not a file or folder, and the `datasets` package is not installed to load it by name") from None
    path = Path(name)
    try:
        ds = datasets.load_from_disk(name) if path.is_dir() else datasets.load_dataset(name, split=split)
    except Exception as e:
        raise DataError(f"{name}: could not load as a file, folder or `datasets` name: {e}") from None
    if isinstance(ds, datasets.DatasetDict):
        if split not in ds:
            raise DataError(f"{name}: no split {split!r} (has {list(ds)})")
        ds = ds[split]
    for i, row in enumerate(ds):
        yield row, f"{name}[{split}]: row {i}"


_TEXT_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")


def read_text(path: str) -> str:
    """A plain-text file, or the `text` fields of a JSONL/JSON/CSV/Parquet file joined by blank lines."""
    if Path(path).suffix not in _TEXT_SUFFIXES:
        return Path(path).read_text(encoding="utf-8")
    parts = []
    for row, where in read_records(path):
        if not isinstance(row.get("text"), str):
            raise DataError(f"{where}: field 'text': expected a string, found {type(row.get('text')).__name__}")
        parts.append(row["text"])
    return "\n\n".join(parts)


def write_jsonl(path: str | Path, rows: list[dict]) -> None:
    """Rows as JSON lines, written to a temporary file, fsynced and renamed into place (no half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
