"""Read rows from JSONL, JSON, Parquet, CSV files, folders of them, or a `datasets` name.

Every row comes with its location (`file:line` or `file:row N`) so that a bad row can be named
exactly in the error. Nothing is unpickled: Parquet and CSV go through pyarrow/csv, `datasets`
loads Arrow files.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator

SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")


class DataError(ValueError):
    """Bad input data; the message names file, line/row, field, what was expected and found."""


def read_records(source: str, split: str = "train", errors: str = "raise") -> Iterator[tuple[dict, str]]:
    """Yield `(row, location)` pairs from a file, a folder of files, or a `datasets` name.

    A row that cannot be parsed raises DataError, or with errors="yield" is yielded as the
    DataError itself (so callers can skip it and go on)."""
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


def _jsonl(path: Path, errors: str):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise DataError(f"{path}:{n}: expected a JSON object, found {type(row).__name__}")
            except (json.JSONDecodeError, DataError) as e:
                err = e if isinstance(e, DataError) else DataError(f"{path}:{n}: invalid JSON ({e.msg} at column {e.colno})")
                if errors != "yield":
                    raise err from None
                row = err
            yield row, f"{path}:{n}"


def _json(path: Path, errors: str):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(f"{path}:{e.lineno}: invalid JSON ({e.msg} at column {e.colno})") from None
    if isinstance(data, dict):  # {"data": [...]} or {"train": [...]} wrappers
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise DataError(f"{path}: expected a list of rows (or an object holding one list), found an object with keys {list(data)[:5]}")
        data = lists[0]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a list of rows, found {type(data).__name__}")
    for i, row in enumerate(data):
        if not isinstance(row, dict):
            raise DataError(f"{path}: row {i}: expected an object, found {type(row).__name__}")
        yield row, f"{path}: row {i}"


def _parquet(path: Path, errors: str):
    import pyarrow.parquet as pq

    for i, row in enumerate(pq.read_table(path).to_pylist()):
        yield row, f"{path}: row {i}"


def _csv(path: Path, errors: str):
    with open(path, encoding="utf-8", newline="") as f:
        # line numbers: header is line 1, so data row i is line i+2 unless fields hold newlines
        for i, row in enumerate(csv.DictReader(f)):
            yield dict(row), f"{path}:{i + 2}"


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
