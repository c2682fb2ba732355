"""Scale-out scoring on Dask: ``emotion_matrix.dask.score(ddf, text_column=...)``.

Needs the ``dask`` extra (``pip install "emotion-matrix[dask]"``). The model enters the
task graph once as a single object, so each worker receives it once, however many
partitions it scores; the result has an explicit ``meta``, so nothing is computed to
guess column types.
"""

from __future__ import annotations

import logging
import os

from .batch import score_dataframe
from .csvio import atomic_output, open_csv
from .errors import DataError
from .mirroring import Templates
from .model import EmotionModel

logger = logging.getLogger(__name__)


def _require_dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:
        raise DataError('Dask is not installed; install it with: pip install "emotion-matrix[dask]"') from None
    return dask, dd


def score(
    ddf,
    *,
    text_column: str = "text",
    model: EmotionModel | None = None,
    templates: Templates | None = None,
    escape: bool = False,
):
    """Append the prediction and reply columns to a ``dask.dataframe.DataFrame``, lazily.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Messages, one per row.
    text_column : str
        The column holding the message.
    model : EmotionModel, optional
        A fitted model; the shipped default when not given.
    templates : Templates, optional
        Reply templates.
    escape : bool
        Guard generated text against spreadsheet formulas (for CSV output).

    Returns
    -------
    dask.dataframe.DataFrame
        The same partitions and rows, with the columns of ``score_csv`` appended.
    """
    dask, _ = _require_dask()
    if model is None:
        from .persist import load_model

        model = load_model()
    meta = score_dataframe(ddf._meta, model, text_column=text_column, templates=templates, escape=escape)
    shared = dask.delayed(model, pure=True)
    return ddf.map_partitions(
        _score_partition, shared, text_column, templates, escape, meta=meta, align_dataframes=False
    )


def _score_partition(part, model, text_column, templates, escape):
    return score_dataframe(part, model, text_column=text_column, templates=templates, escape=escape)


def score_files(
    pattern: str,
    output: str | os.PathLike,
    *,
    model: EmotionModel,
    text_column: str = "text",
    encoding: str | None = None,
    templates: Templates | None = None,
    escape: bool = True,
    force: bool = False,
    scheduler: str | None = None,
    blocksize: str | None = None,
    window: int = 8,
) -> int:
    """Score every CSV file matching ``pattern`` into one UTF-8 (with BOM) CSV file.

    Files are read by ``dask.dataframe.read_csv`` (one header each, fields as strings; by
    default one partition per file, so quoted fields may span lines; a ``blocksize`` such
    as ``"64MB"`` splits large files but needs single-line fields) and scored on the local
    machine or, with ``scheduler`` (e.g. ``"tcp://10.0.0.5:8786"``), on a Dask cluster,
    ``window`` partitions at a time. Rows keep file and row order. Unlike ``score_csv``,
    repeated header names are renamed by pandas (``id``, ``id.1``). Returns the number of
    rows written.
    """
    dask, dd = _require_dask()
    import glob

    files = sorted(glob.glob(pattern))
    if not files:
        raise DataError(f"no files match {pattern!r}")
    formats = {path: open_csv(path, encoding) for path in files}
    if len(set(formats.values())) > 1:
        raise DataError(
            f"the files differ in encoding or delimiter ({sorted(set(formats.values()))}); "
            "score them separately or pass --encoding"
        )
    encoding, delimiter = formats[files[0]]
    ddf = dd.read_csv(
        files, sep=delimiter, dtype=str, keep_default_na=False, na_filter=False, encoding=encoding, blocksize=blocksize
    )
    scored = score(ddf, text_column=text_column, model=model, templates=templates, escape=escape)
    client = None
    if scheduler:
        from distributed import Client

        client = Client(scheduler)
    try:
        with atomic_output(output, force=force, inputs=files) as handle:
            rows = 0
            header = True
            parts = scored.to_delayed()
            for start in range(0, len(parts), window):
                for frame in dask.compute(*parts[start : start + window]):
                    frame.to_csv(handle, index=False, header=header, lineterminator="\r\n")
                    rows += len(frame)
                    header = False
    finally:
        if client is not None:
            client.close()
    logger.info("scored %d rows from %d files", rows, len(files))
    return rows
