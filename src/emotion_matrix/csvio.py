"""CSV input and output: encoding detection, streaming chunks, atomic writes.

Input fields are read with the csv module exactly as they stand in the file (no NA
guessing, no type conversion, header names untouched), so a scored file repeats every
input field unchanged. Output is
written to a temporary file next to the target and renamed only when complete.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import logging
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from .errors import DataError
from .normalize import normalize
from .segment import segment

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


def _decode(sample: bytes, encoding: str) -> str | None:
    """The sample decoded, or None when it is not valid in ``encoding`` (a character cut
    in two at the end of a full sample is allowed)."""
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError as exc:
        if len(sample) == SAMPLE_BYTES and exc.start >= len(sample) - 3:
            return sample[: exc.start].decode(encoding, errors="replace")
        return None


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _plausibility(text: str) -> float:
    """Share of the Chinese characters that fall inside dictionary words: real text scores
    high, the same bytes read in the wrong encoding score near zero."""
    text = normalize(text[:20_000])
    total = sum(map(_is_cjk, text))
    if not total:
        return 0.0
    covered = sum(sum(map(_is_cjk, w)) for w in segment(text) if len(w) > 1)
    return covered / total


def detect_encoding(path: str | os.PathLike) -> str:
    """Guess a file's encoding from its first megabyte.

    A byte-order mark decides first. UTF-8 that reads as Chinese (or plain ASCII) is
    taken as it is; otherwise each of UTF-8, GB18030 (which covers GBK) and Big5 that
    decodes the sample is tried, and the one whose Chinese characters best form
    dictionary words wins. charset-normalizer decides when none of them decodes.
    """
    sample = _sample(Path(path))
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    text = _decode(sample, "utf-8")
    if text is not None:
        wide = [c for c in text if not c.isascii()]
        if not wide or sum(map(_is_cjk, wide)) >= 0.5 * len(wide):
            return "utf-8"
    scores = {}
    for encoding in ("utf-8", *_LEGACY):
        decoded = text if encoding == "utf-8" else _decode(sample, encoding)
        if decoded is not None:
            scores[encoding] = _plausibility(decoded)
    if scores:
        return max(scores, key=scores.get)
    best = from_bytes(sample).best()
    return best.encoding if best is not None else "gb18030"


def estimate_rows(path: str | os.PathLike, encoding: str) -> int:
    """Data rows in a CSV file, estimated by counting line breaks (for a progress bar's ETA;
    quoted fields that span lines make it an overestimate)."""
    newline = "\n".encode(encoding.replace("-sig", ""))
    if encoding.lower().startswith("utf-16"):
        newline = b"\n\x00"  # little-endian, as Excel writes it
    count = 0
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            count += block.count(newline)
    return max(count - 1, 0)


def _delimiter(text: str) -> str:
    """The most frequent of comma, tab, semicolon and bar in the header line (comma if none)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",\t;|"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


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


@dataclass(frozen=True, slots=True)
class CsvChunk:
    """Up to ``chunksize`` data rows of a CSV file, each a list of its fields as written.

    ``first_row`` is the 1-based number of the chunk's first data row (the header is row 0).
    """

    header: tuple[str, ...]
    rows: list[list[str]]
    first_row: int

    def to_frame(self) -> pd.DataFrame:
        """The chunk as a DataFrame of strings."""
        return pd.DataFrame(self.rows, columns=list(self.header), dtype=object)


def iter_csv_chunks(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    chunksize: int = 10_000,
    encoding: str | None = None,
) -> Iterator[CsvChunk]:
    """Yield the data rows of a CSV file in chunks, fields exactly as written.

    Quoted fields may span lines; blank lines are skipped with a warning naming them. A row
    with fewer fields than the header is padded with empty fields and reported in a warning
    naming its row; a row with more fields is an error. Rows are numbered from 1 after the header.

    Raises
    ------
    DataError
        The file is missing, empty or undecodable, the header repeats or lacks
        ``text_column``, or a row has more fields than the header.
    """
    path = Path(path)
    encoding, delimiter = open_csv(path, encoding)
    logger.info("reading %s as %s, delimiter %r", path, encoding, delimiter)
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = tuple(next(reader))
        except StopIteration:
            raise DataError(f"{path} is empty; a CSV needs a header row with a {text_column!r} column") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{path} is not valid {encoding} ({exc.reason}); pass the right --encoding") from None
        if header and header[0].startswith("\ufeff"):
            header = (header[0][1:], *header[1:])
        _check_header(path, header, text_column)
        width = len(header)
        rows: list[list[str]] = []
        short: list[int] = []
        blank: list[int] = []
        first, number = 1, 0
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # one long message must not stop a run
        try:
            for row in reader:
                if not row:
                    blank.append(reader.line_num)
                    continue
                number += 1
                if len(row) != width:
                    if len(row) > width:
                        raise DataError(
                            f"{path}: row {number} (line {reader.line_num}) has {len(row)} fields, the header "
                            f"has {width}; quote fields that contain the delimiter {delimiter!r}"
                        )
                    short.append(number)
                    row += [""] * (width - len(row))
                rows.append(row)
                if len(rows) == chunksize:
                    yield CsvChunk(header, rows, first)
                    rows, first = [], number + 1
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{path} is not valid {encoding} after row {number} ({exc.reason}); pass the right --encoding"
            ) from None
        except csv.Error as exc:
            raise DataError(f"{path}: row {number + 1} (line {reader.line_num}) cannot be parsed: {exc}") from None
        if rows or first == 1:
            yield CsvChunk(header, rows, first)
    if blank:
        warnings.warn(
            f"{path}: {len(blank)} blank lines were skipped (lines {blank[:10]}); they hold no row",
            UserWarning,
            stacklevel=2,
        )
    if short:
        warnings.warn(
            f"{path}: {len(short)} rows have fewer fields than the header (rows {short[:10]}); "
            "they were padded with empty fields",
            UserWarning,
            stacklevel=2,
        )


def _check_header(path: Path, header: tuple[str, ...], text_column: str) -> None:
    if text_column not in header:
        raise DataError(
            f"{path} has no column {text_column!r}; columns are {list(header)}. "
            "Pass --text-column (text_column=) with one of them"
        )
    if header.count(text_column) > 1:
        raise DataError(f"{path} has {header.count(text_column)} columns named {text_column!r}; rename all but one")


def read_labeled_csv(
    path: str | os.PathLike,
    *,
    text_column: str = "text",
    label_columns: Sequence[str] = ("emotion", "need"),
    extra_columns: Sequence[str] = (),
    encoding: str | None = None,
) -> tuple[list[str], pd.DataFrame]:
    """Read a labeled CSV into texts and a DataFrame of the label (and extra) columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "l.csv"
    >>> _ = p.write_text("text,emotion\\n谢谢,satisfaction\\n", encoding="utf-8")
    >>> read_labeled_csv(p, label_columns=["emotion"])[1]["emotion"].tolist()
    ['satisfaction']
    """
    chunks = list(iter_csv_chunks(path, text_column=text_column, encoding=encoding))
    header = chunks[0].header
    wanted = [*label_columns, *extra_columns]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DataError(
            f"labeled CSV needs columns {[text_column, *wanted]}; found {list(header)}. "
            "Pass --label-columns (label_columns=) or rename the columns"
        )
    frame = pd.concat([c.to_frame() for c in chunks], ignore_index=True)
    return frame[text_column].tolist(), frame[wanted].copy()


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike,
    *,
    force: bool = False,
    inputs: Sequence[str | os.PathLike] = (),
    encoding: str = "utf-8-sig",
):
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
        "w", dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False, encoding=encoding, newline=""
    )
    try:
        with handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # a temporary file is private; the output is not
        os.replace(handle.name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)


def csv_text(rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    """Rows formatted as CSV lines (``\\r\\n`` line ends, quoted where needed).

    Examples
    --------
    >>> csv_text([["1", "有,逗号"], [2, 0.5]])
    '1,"有,逗号"\\r\\n2,0.5\\r\\n'
    """
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
