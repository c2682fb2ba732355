"""Batch scoring of CSV files: stream chunks through the model, in one or more processes.

Every input row is written once, in input order, with its fields unchanged, followed by
the prediction columns and the first suggested reply. The output file appears only
when the whole file has been scored.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from .csvio import atomic_output, iter_csv_chunks, open_csv, write_chunks
from .errors import DataError
from .mirroring import Templates, suggest_replies
from .model import EmotionModel

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


def score_texts(
    model: EmotionModel, texts: list[object], *, templates: Templates | None = None, escape: bool = True
) -> pd.DataFrame:
    """Score texts into the output columns of ``score_csv`` (predictions plus ``reply``)."""
    predictions = model.predict(texts)
    names = model.head_names
    frame = pd.DataFrame([p.to_row(names) for p in predictions], columns=model.output_columns())
    frame["reply"] = [suggest_replies(p, k=1, templates=templates)[0].text if p.heads else "" for p in predictions]
    if escape:
        for column in GENERATED_TEXT:
            frame[column] = frame[column].map(escape_formula)
    return frame


_worker: dict[str, object] = {}


def _init_worker(payload: bytes) -> None:
    _worker.update(pickle.loads(payload))


def _score_in_worker(texts: list[object]) -> pd.DataFrame:
    return score_texts(_worker["model"], texts, templates=_worker["templates"], escape=_worker["escape"])


def _ordered(executor: ProcessPoolExecutor, batches: Iterator[list[object]], window: int) -> Iterator[pd.DataFrame]:
    """Map over batches in worker processes, at most ``window`` in flight, results in input order."""
    pending: deque = deque()
    for batch in batches:
        pending.append(executor.submit(_score_in_worker, batch))
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
    model.head_names  # noqa: B018 - fail early when unfitted
    started = time.perf_counter()
    encoding, _ = open_csv(source, encoding)
    reader = iter_csv_chunks(source, text_column=text_column, chunksize=chunksize, encoding=encoding)
    first = next(reader)
    clash = [c for c in [*model.output_columns(), "reply"] if c in first.columns]
    if clash:
        raise DataError(f"{source} already has columns {clash}; rename them before scoring")
    held: deque[pd.DataFrame] = deque()

    def batches() -> Iterator[list[object]]:
        for chunk in itertools.chain([first], reader):
            held.append(chunk)
            yield chunk[text_column].tolist()

    bar = tqdm(unit=" rows", disable=not progress, mininterval=0.5, dynamic_ncols=True, desc="scoring")

    def joined(scored: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for added in scored:
            chunk = held.popleft()
            added.index = chunk.index
            bar.update(len(chunk))
            yield pd.concat([chunk, added], axis=1)

    with atomic_output(output, force=force, inputs=[source]) as handle:
        try:
            if jobs == 1:
                scored = (score_texts(model, texts, templates=templates, escape=escape) for texts in batches())
                rows = write_chunks(handle, joined(scored))
            else:
                payload = pickle.dumps({"model": model, "templates": templates, "escape": escape})
                with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(payload,)) as executor:
                    rows = write_chunks(handle, joined(_ordered(executor, batches(), 2 * jobs)))
        finally:
            bar.close()
    seconds = time.perf_counter() - started
    logger.info("scored %d rows in %.1f s (%s input)", rows, seconds, encoding)
    return ScoreReport(Path(output), rows, encoding, seconds)
