"""Durable file operations: what every writer of checkpoints, label files, JSONL outputs and pipeline
records uses so that an acknowledged write survives a kill or a power cut.

A rename or a new file is durable only once the folder holding it is fsynced, and a new folder only once
its parent is; `write_text_atomic` and `make_dirs` do both.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync(path: str | Path) -> None:
    """Flush a file, or a folder's entries (its renames and new files), to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: str | Path) -> None:
    """Create a folder and any missing parents durably: each new folder's entry is fsynced in its parent
    (without that, a power cut can lose the folder and everything fsynced inside it)."""
    path = Path(path)
    new = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for p in reversed(new):
        fsync(p.parent)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace `path` with `text`: a reader (or a resumed run) sees the old file or the new one, whole."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync(path.parent)
