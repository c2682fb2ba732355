"""Measure a fitted model on labeled texts: accuracy, macro-F1, per-class figures, confusion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from .errors import DataError
from .model import EmotionModel, label_columns


@dataclass(frozen=True, slots=True)
class ClassReport:
    """Precision, recall, F1 and support of one label."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class HeadReport:
    """One head's figures; ``confusion[i][j]`` counts true ``labels[i]`` predicted as ``labels[j]``."""

    head: str
    accuracy: float
    macro_f1: float
    n: int
    labels: tuple[str, ...]
    classes: tuple[ClassReport, ...]
    confusion: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "n": self.n,
            "labels": list(self.labels),
            "per_class": {
                c.label: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "support": c.support,
                }
                for c in self.classes
            },
            "confusion": [list(r) for r in self.confusion],
        }

    def format(self) -> str:
        """A plain-text report: headline figures, per-class table and confusion matrix."""
        width = max(len(label) for label in self.labels) + 2
        lines = [f"{self.head}: accuracy {self.accuracy:.3f}  macro-F1 {self.macro_f1:.3f}  (n={self.n})"]
        lines.append(f"  {'label':<{width}}precision  recall  f1     support")
        for c in self.classes:
            lines.append(f"  {c.label:<{width}}{c.precision:<11.3f}{c.recall:<8.3f}{c.f1:<7.3f}{c.support}")
        lines.append("  confusion (rows: true, columns: predicted, in the order above)")
        lines.extend("  " + " ".join(f"{v:>5d}" for v in row) for row in self.confusion)
        return "\n".join(lines)


def evaluate(model: EmotionModel, texts: Iterable[object], labels: object) -> tuple[HeadReport, ...]:
    """Score ``model`` against label columns, one :class:`HeadReport` per column.

    Raises
    ------
    DataError
        A label column names a head the model does not have.
    """
    texts = list(texts)
    columns = label_columns(labels, len(texts), for_training=False)
    unknown = [c for c in columns if c not in model.head_names]
    if unknown:
        raise DataError(f"the model has no head {unknown[0]!r}; its heads are {list(model.head_names)}")
    predictions = model.predict(texts)
    reports = []
    for name, truth in columns.items():
        got = np.asarray([p.heads[name].label if name in p.heads else "" for p in predictions], dtype=str)
        labels_ = tuple(sorted({str(v) for v in truth} | (set(got) - {""})))
        precision, recall, f1, support = precision_recall_fscore_support(
            truth, got, labels=list(labels_), zero_division=0
        )
        reports.append(
            HeadReport(
                head=name,
                accuracy=float(accuracy_score(truth, got)),
                macro_f1=float(f1_score(truth, got, labels=sorted(set(truth)), average="macro", zero_division=0)),
                n=len(truth),
                labels=labels_,
                classes=tuple(
                    ClassReport(lab, float(p), float(r), float(f), int(s))
                    for lab, p, r, f, s in zip(labels_, precision, recall, f1, support)
                ),
                confusion=tuple(
                    tuple(int(v) for v in row) for row in confusion_matrix(truth, got, labels=list(labels_))
                ),
            )
        )
    return tuple(reports)


def keyword_agreement(model: EmotionModel, texts: Iterable[object], keywords: Iterable[object]) -> dict[str, float]:
    """Micro precision and recall of extracted keywords against labeled ones.

    A predicted keyword counts as correct when it overlaps a labeled keyword of the same
    message (one contains the other); ``keywords`` holds ``|``-joined labels per text.

    Examples
    --------
    >>> from emotion_matrix.model import EmotionModel, ModelConfig
    >>> m = EmotionModel(ModelConfig(char_bits=12)).fit(
    ...     ["气死了太慢", "谢谢很满意"] * 5,
    ...     {"emotion": ["anger", "satisfaction"] * 5},
    ...     keywords=["气死了", "很满意"] * 5,
    ... )
    >>> keyword_agreement(m, ["气死了太慢"], ["气死了"])["recall"]
    1.0
    """
    predicted_total = labeled_total = predicted_hits = labeled_hits = 0
    for prediction, labeled in zip(model.predict(texts), keywords):
        gold = [k for k in (labeled.split("|") if isinstance(labeled, str) else labeled or ()) if k]
        got = list(prediction.keywords)
        predicted_total += len(got)
        labeled_total += len(gold)
        predicted_hits += sum(any(g in k or k in g for g in gold) for k in got)
        labeled_hits += sum(any(g in k or k in g for k in got) for g in gold)
    precision = predicted_hits / predicted_total if predicted_total else 0.0
    recall = labeled_hits / labeled_total if labeled_total else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "predicted": predicted_total,
        "labeled": labeled_total,
    }
