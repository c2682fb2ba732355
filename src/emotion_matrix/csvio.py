"""CSV input and output: encoding detection, streaming chunks, atomic writes.

Input cells are read as strings exactly as they stand in the file (no NA guessing,
no type conversion), so a scored file repeats every input field unchanged. Output is
written to a temporary file next to the target and renamed only when complete.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from .errors import DataError

logger = logging.getLogger(__name__)

SAMPLE_BYTES = 1 << 20
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_LEGACY = ("gb18030", "big5")  # GB18030 is a superset of GBK and GB2312


def _sample(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise DataError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder; pass a CSV file") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None


def detect_encoding(path: str | os.PathLike) -> str:
    """Guess a file's encoding from its first megabyte.

    A byte-order mark decides first; then UTF-8 is tried; then charset-normalizer
    picks between the legacy Chinese encodings GB18030 (which covers GBK) and Big5.
    """
    sample = _sample(Path(path))
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and len(sample) == SAMPLE_BYTES:
            return "utf-8"  # the sample cut a character in two
    best = from_bytes(sample, cp_isolation=list(_LEGACY)).best()
    return best.encoding if best is not None else "gb18030"


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def open_csv(path: str | os.PathLike, encoding: str | None = None) -> tuple[str, str]:
    """Return ``(encoding, delimiter)`` for a CSV file, detecting what is not given."""
    path = Path(path)
    encoding = encoding or detect_encoding(path)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}; try utf-8, gb18030, utf-16 or big5") from None
    head = _sample(path).decode(encoding, errors="ignore")
    return encoding, _delimiter(head)


def iter_csv_chunks(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    chunksize: int = 10_000,
    encoding: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the rows of a CSV file as string DataFrames of at most ``chunksize`` rows.

    Raises
    ------
    DataError
        The file is missing or undecodable, or has no ``text_column``.
    """
    path = Path(path)
    encoding, delimiter = open_csv(path, encoding)
    logger.info("reading %s as %s, delimiter %r", path, encoding, delimiter)
    options = {
        "sep": delimiter,
        "dtype": str,
        "keep_default_na": False,
        "na_filter": False,
        "encoding": encoding,
        "chunksize": chunksize,
    }
    try:
        reader = pd.read_csv(path, **options)
        for i, chunk in enumerate(reader):
            if i == 0 and text_column not in chunk.columns:
                raise DataError(
                    f"{path} has no column {text_column!r}; columns are {list(chunk.columns)}. "
                    f"Pass --text-column (text_column=) with one of them"
                )
            yield chunk
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not valid {encoding} ({exc.reason}); pass the right --encoding") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; a CSV needs a header row with a {text_column!r} column") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path} cannot be parsed as CSV: {exc}") from None


def read_labeled_csv(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    label_columns: Sequence[str] = ("emotion", "need"),
    encoding: str | None = None,
) -> tuple[list[str], pd.DataFrame]:
    """Read a labeled CSV into texts and a DataFrame of label columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "l.csv"
    >>> _ = p.write_text("text,emotion\\n谢谢,satisfaction\\n", encoding="utf-8")
    >>> read_labeled_csv(p, label_columns=["emotion"])[1]["emotion"].tolist()
    ['satisfaction']
    """
    frame = pd.concat(list(iter_csv_chunks(path, text_column=text_column, encoding=encoding)), ignore_index=True)
    missing = [c for c in label_columns if c not in frame.columns]
    if missing:
        wanted = [text_column, *label_columns]
        raise DataError(
            f"labeled CSV needs columns {wanted}; found {list(frame.columns)}. "
            "Pass --label-columns (label_columns=) or rename the columns"
        )
    return frame[text_column].tolist(), frame[list(label_columns)].copy()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, force: bool = False, inputs: Sequence[str | os.PathLike] = ()):
    """Open ``path`` for writing text so that it appears only when complete.

    Yields a text handle on a temporary file in the same folder; on success it is
    renamed to ``path``; on any error (or Ctrl-C) it is deleted and ``path`` is untouched.
    """
    path = Path(path)
    for source in inputs:
        if path.exists() and Path(source).exists() and os.path.samefile(path, source):
            raise DataError(f"refusing to overwrite the input file {path}; choose another output path")
    if path.exists() and not force:
        raise DataError(f"{path} exists; pass --force (force=True) to replace it")
    if not path.parent.is_dir():
        raise DataError(f"output folder {path.parent} does not exist")
    handle = tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False, encoding="utf-8-sig", newline=""
    )
    try:
        with handle:
            yield handle
        os.replace(handle.name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)


def write_chunks(handle, chunks: Iterator[pd.DataFrame]) -> int:
    """Write DataFrames to an open text handle as one CSV (header once); return the row count."""
    rows = 0
    for i, chunk in enumerate(chunks):
        chunk.to_csv(handle, index=False, header=i == 0, lineterminator="\r\n")
        rows += len(chunk)
    return rows
