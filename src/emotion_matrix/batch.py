"""Batch scoring of CSV files: stream chunks through the model, in one or more processes.

Every input row is written once, in input order, with its fields unchanged, followed by
the prediction columns and the first suggested reply. The output file appears only
when the whole file has been scored.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import logging
import os
import pickle
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from .csvio import atomic_output, csv_text, estimate_rows, iter_csv_chunks, open_csv
from .errors import DataError
from .mirroring import Templates, first_reply_texts
from .model import EmotionModel, append_columns, frame_texts, gc_paused
from .result import SCORED, PredictionTable

logger = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GENERATED_TEXT = ("keywords", "reply")


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """What ``score_csv`` did."""

    output: Path
    rows: int
    encoding: str
    seconds: float


def escape_formula(value: str) -> str:
    """Prefix ``'`` to a value a spreadsheet would run as a formula.

    Examples
    --------
    >>> escape_formula("=1+1"), escape_formula("太慢了")
    ("'=1+1", '太慢了')
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def first_replies(table: PredictionTable, templates: Templates | None = None) -> list[str]:
    """The first suggested reply of each row of a table; ``""`` for a row without heads."""
    scored = [i for i, status in enumerate(table.statuses) if status in SCORED]
    missing = ("",) * len(table)

    def pick(column: Sequence) -> list:
        return [column[i] for i in scored]

    texts = first_reply_texts(
        pick(table.texts),
        pick(table.labels.get("emotion", missing)),
        pick(table.labels.get("need", missing)),
        pick(table.keywords),
        templates=templates,
    )
    replies = [""] * len(table)
    for i, text in zip(scored, texts):
        replies[i] = text
    return replies


def score_texts(
    model: EmotionModel, texts: list[object], *, templates: Templates | None = None, escape: bool = True
) -> list[list[object]]:
    """Score texts into rows of the columns ``score_columns(model)`` names (predictions plus ``reply``)."""
    table = model.predict_table(texts)
    columns = table.columns()
    columns["reply"] = first_replies(table, templates)
    if escape:
        for column in GENERATED_TEXT:
            columns[column] = list(map(escape_formula, columns[column]))
    return list(map(list, zip(*columns.values())))


def score_dataframe(
    frame: pd.DataFrame,
    model: EmotionModel,
    *,
    text_column: str = "text",
    templates: Templates | None = None,
    escape: bool = False,
) -> pd.DataFrame:
    """A copy of ``frame`` with the ``score_csv`` columns appended, typed for analysis.

    :meth:`EmotionModel.prediction_frame` plus ``reply``. An empty frame gives the empty
    result with the right columns and dtypes (what Dask needs as ``meta``).
    """
    table = model.predict_table(frame_texts(frame, text_column))
    added = model.prediction_frame(table, frame.index)
    added["reply"] = pd.Series(first_replies(table, templates), index=frame.index, dtype=object)
    for column in GENERATED_TEXT:
        added[column] = (added[column].map(escape_formula) if escape else added[column]).astype(str)
    return append_columns(frame, added)


def score_columns(model: EmotionModel) -> list[str]:
    """The columns ``score_csv`` appends to every row."""
    return [*model.output_columns(), "reply"]


def score_rows(
    model: EmotionModel,
    rows: list[list[str]],
    text_index: int,
    *,
    templates: Templates | None = None,
    escape: bool = True,
    delimiter: str = ",",
) -> str:
    """A chunk of CSV rows, each followed by the ``score_columns(model)`` of its text (field
    ``text_index``), formatted as CSV lines."""
    with gc_paused():  # the chunk's rows and their CSV lines live until it is written
        added = score_texts(model, [row[text_index] for row in rows], templates=templates, escape=escape)
        return csv_text(map(list.__add__, rows, added), delimiter)


_worker: dict[str, object] = {}


def _init_worker(payload: bytes) -> None:
    _worker.update(pickle.loads(payload))


def _score_in_worker(rows: list[list[str]], text_index: int) -> str:
    return score_rows(_worker["model"], rows, text_index, **_worker["options"])


def _ordered(
    executor: ProcessPoolExecutor, batches: Iterator[list[list[str]]], text_index: int, window: int
) -> Iterator[str]:
    """Score batches of rows in worker processes, at most ``window`` in flight, results in input order."""
    pending: deque = deque()
    for batch in batches:
        pending.append(executor.submit(_score_in_worker, batch, text_index))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def score_csv(
    source: str | os.PathLike,
    output: str | os.PathLike,
    *,
    model: EmotionModel,
    text_column: str = "text",
    encoding: str | None = None,
    chunksize: int = 10_000,
    jobs: int = 1,
    templates: Templates | None = None,
    escape: bool = True,
    force: bool = False,
    progress: bool = True,
    output_encoding: str = "utf-8-sig",
    output_delimiter: str = ",",
) -> ScoreReport:
    """Score every row of a CSV file into a new UTF-8 (with BOM) CSV file.

    Parameters
    ----------
    source, output : path
        Input CSV (any common encoding and delimiter) and output path.
    model : EmotionModel
        A fitted model.
    text_column : str
        The column holding the message.
    encoding : str, optional
        The input's encoding; detected when not given.
    chunksize : int
        Rows read and scored at a time: memory stays flat whatever the file size.
    jobs : int
        Worker processes; each receives the model once. 1 scores in this process.
    templates : Templates, optional
        Reply templates (the packaged ones by default).
    escape : bool
        Prefix ``'`` to generated text that a spreadsheet would run as a formula.
    force : bool
        Replace an existing output file.
    progress : bool
        Show a progress bar on stderr.
    output_encoding, output_delimiter : str
        How the output is written (default: UTF-8 with BOM, comma-separated: opens in Excel).

    Returns
    -------
    ScoreReport

    Raises
    ------
    DataError
        Unreadable input, missing column, output exists or is the input.
    """
    if jobs < 1:
        raise DataError(f"jobs must be >= 1; got {jobs}")
    if chunksize < 1:
        raise DataError(f"chunksize must be >= 1; got {chunksize}")
    if len(output_delimiter) != 1:
        raise DataError(f"the output delimiter must be one character; got {output_delimiter!r}")
    try:
        codecs.lookup(output_encoding)
    except LookupError:
        raise DataError(f"unknown output encoding {output_encoding!r}; try utf-8-sig, utf-8 or gb18030") from None
    stack = contextlib.ExitStack()
    model.head_names  # noqa: B018 - fail early when unfitted
    started = time.perf_counter()
    encoding, _ = open_csv(source, encoding)
    reader = iter_csv_chunks(source, text_column=text_column, chunksize=chunksize, encoding=encoding)
    first = next(reader)
    added = score_columns(model)
    clash = [c for c in added if c in first.header]
    if clash:
        raise DataError(f"{source} already has columns {clash}; rename them before scoring")
    text_index = first.header.index(text_column)
    sizes: deque[int] = deque()

    def batches() -> Iterator[list[list[str]]]:
        for chunk in itertools.chain([first], reader):
            sizes.append(len(chunk.rows))
            yield chunk.rows

    bar = tqdm(
        total=estimate_rows(source, encoding) if progress else None,
        unit=" rows",
        disable=not progress,
        mininterval=0.5,
        dynamic_ncols=True,
        desc="scoring",
    )
    options = {"templates": templates, "escape": escape, "delimiter": output_delimiter}
    rows = 0
    with atomic_output(output, force=force, inputs=[source], encoding=output_encoding) as handle:
        try:
            handle.write(csv_text([[*first.header, *added]], output_delimiter))
            if jobs == 1:
                scored = (score_rows(model, batch, text_index, **options) for batch in batches())
            else:
                # Workers score and format whole chunks; this process reads, and writes their text.
                payload = pickle.dumps({"model": model, "options": options})
                executor = stack.enter_context(ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(payload,)))
                scored = _ordered(executor, batches(), text_index, 2 * jobs)
            for text in scored:
                handle.write(text)
                size = sizes.popleft()
                rows += size
                bar.update(size)
        except UnicodeEncodeError as exc:
            raise DataError(
                f"the output encoding {output_encoding} cannot write {exc.object[exc.start : exc.end]!r}; "
                "use utf-8-sig (the default) or gb18030"
            ) from None
        finally:
            if bar.total is not None and bar.n != bar.total:
                bar.total = bar.n  # the estimate counted line breaks inside quoted fields
                bar.refresh()
            bar.close()
            stack.close()
    seconds = time.perf_counter() - started
    logger.info("scored %d rows in %.1f s (%s input)", rows, seconds, encoding)
    return ScoreReport(Path(output), rows, encoding, seconds)
