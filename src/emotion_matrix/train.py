"""Retrain from a labeled CSV: read, split, fit, measure, save. Shared by notebooks and the CLI."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from .csvio import read_labeled_csv
from .errors import DataError
from .evaluate import HeadReport, evaluate, keyword_agreement
from .model import EmotionModel, ModelConfig
from .normalize import normalize_many
from .persist import file_sha256, save_model

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What ``train_from_csv`` did: sizes, the data hash and the hold-out figures."""

    model_dir: Path
    n_train: int
    n_test: int
    data_sha256: str
    heads: tuple[HeadReport, ...]
    keywords: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "model_dir": str(self.model_dir),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "data_sha256": self.data_sha256,
            "heads": {h.head: h.to_dict() for h in self.heads},
            "keywords": self.keywords,
        }


def split_rows(
    labels: pd.DataFrame, *, test_size: float, random_state: int, groups: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row indices, stratified on the first label column.

    With ``groups``, rows of one group (one conversation, say) stay on one side.
    """
    n = len(labels)
    index = np.arange(n)
    strata = labels.iloc[:, 0].to_numpy()
    if groups is not None:
        folds = max(2, round(1 / test_size))
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
        train, test = next(splitter.split(index, strata, np.asarray(groups)))
        return train, test
    counts = pd.Series(strata).value_counts()
    stratify = strata if counts.min() >= 2 and int(n * test_size) >= len(counts) else None
    return train_test_split(index, test_size=test_size, random_state=random_state, stratify=stratify)


def _check_rows(path: Path, texts: list[str], labels: pd.DataFrame) -> None:
    """Name the CSV rows (1 = first row after the header) that cannot be trained on."""
    empty = [i + 1 for i, t in enumerate(normalize_many(texts)) if not t]  # what the model counts as empty
    if empty:
        raise DataError(f"{path}: empty text in rows {empty[:10]} (counted from 1 after the header); fill or drop them")
    for column in labels.columns:
        missing = [i + 1 for i, v in enumerate(labels[column]) if not v.strip()]
        if missing:
            raise DataError(f"{path}: no {column!r} label in rows {missing[:10]} (counted from 1 after the header)")


def train_from_csv(
    path: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    config: ModelConfig | None = None,
    text_column: str = "text",
    label_columns: Sequence[str] = ("emotion", "need"),
    group_column: str | None = None,
    keyword_column: str | None = None,
    test_size: float = 0.2,
    random_state: int = 0,
    refit: bool = False,
    encoding: str | None = None,
    n_jobs: int | None = None,
) -> TrainingReport:
    """Train a model from a labeled CSV, measure it on a held-out split and save it.

    Parameters
    ----------
    path : path
        CSV with a text column and one column per head.
    out_dir : path
        Where the model folder is written.
    config : ModelConfig, optional
        Model options.
    text_column, label_columns : str, sequence of str
        Column names; each label column becomes a head.
    group_column : str, optional
        Rows sharing a value here (e.g. a conversation id) stay on one side of the split.
    keyword_column : str, optional
        Column of labeled emotion words (``|``-joined); they become the keyword lexicon,
        and the hold-out report gives keyword precision and recall against them.
    test_size : float
        Share of rows held out, in [0, 0.5]; 0 trains on everything and measures nothing.
    random_state : int
        Seed of the split.
    refit : bool
        After measuring, refit on all rows before saving.
    encoding : str, optional
        The CSV's encoding; detected when not given.
    n_jobs : int, optional
        Processes that fit the heads (see :meth:`EmotionModel.fit`).

    Returns
    -------
    TrainingReport

    Raises
    ------
    DataError
        Missing columns, bad labels or too few rows.
    """
    path = Path(path)
    if not 0 <= test_size <= 0.5:
        raise DataError(f"test_size must be between 0 and 0.5; got {test_size}")
    extra = [c for c in (group_column, keyword_column) if c]
    texts, frame = read_labeled_csv(
        path, text_column=text_column, label_columns=label_columns, extra_columns=extra, encoding=encoding
    )
    labels = frame[list(label_columns)]
    _check_rows(path, texts, labels)
    logger.info("read %d labeled rows from %s", len(frame), path)
    if test_size > 0:
        groups = frame[group_column].tolist() if group_column else None
        train, test = split_rows(labels, test_size=test_size, random_state=random_state, groups=groups)
    else:
        train, test = np.arange(len(frame)), np.arange(0)
    keywords = frame[keyword_column].tolist() if keyword_column else None

    def fit(rows: np.ndarray) -> EmotionModel:
        return EmotionModel(config).fit(
            [texts[i] for i in rows],
            labels.iloc[rows].reset_index(drop=True),
            keywords=[keywords[i] for i in rows] if keywords else None,
            n_jobs=n_jobs,
        )

    model = fit(train)
    heads: tuple[HeadReport, ...] = ()
    keyword_scores: dict[str, float] = {}
    if len(test):
        heads = evaluate(model, [texts[i] for i in test], labels.iloc[test].reset_index(drop=True))
        if keywords:
            keyword_scores = keyword_agreement(model, [texts[i] for i in test], [keywords[i] for i in test])
    if refit and len(test):
        model = fit(np.arange(len(frame)))
    digest = file_sha256(path)
    save_model(
        model,
        out_dir,
        extra={
            "data_sha256": digest,
            "holdout": {
                "n": int(len(test)),
                "refit_on_all": bool(refit),
                "heads": {h.head: h.to_dict() for h in heads},
                "keywords": keyword_scores,
            },
        },
    )
    return TrainingReport(Path(out_dir), len(train), len(test), digest, heads, keyword_scores)
