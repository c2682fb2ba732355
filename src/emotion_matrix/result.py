"""Immutable result values: label scores, predictions and suggested replies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

EMOTIONS = ("anger", "anxiety", "disappointment", "confusion", "satisfaction", "neutral")
NEEDS = ("efficiency", "fairness", "respect", "reliability", "information", "security", "other")
TAXONOMY = {"emotion": EMOTIONS, "need": NEEDS}  # the taxonomy's labels of the two default heads
SCORED = ("ok", "truncated")  # the statuses of a message that was scored (has heads)


@dataclass(frozen=True, slots=True)
class LabelScore:
    """One head's answer: the top label and its probability, with every label's probability.

    ``labels`` are all the head's labels in the head's order and ``probabilities`` theirs;
    :attr:`distribution` gives the same as ``(label, probability)`` pairs, highest first.

    Examples
    --------
    >>> score = LabelScore("anger", 0.7, ("neutral", "anger"), (0.3, 0.7))
    >>> score.distribution
    (('anger', 0.7), ('neutral', 0.3))
    """

    label: str
    probability: float
    labels: tuple[str, ...] = ()
    probabilities: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.probabilities):
            raise ValueError(f"LabelScore needs one probability per label; got {self.labels!r}, {self.probabilities!r}")

    @property
    def distribution(self) -> tuple[tuple[str, float], ...]:
        """``(label, probability)`` pairs, highest first (ties in the head's label order)."""
        return tuple(sorted(zip(self.labels, self.probabilities), key=lambda pair: -pair[1]))


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the model says about one message.

    ``status`` is ``"ok"`` or ``"truncated"`` when the text was scored, ``"empty"`` for an
    empty or blank text and ``"not_text"`` for a value that is not a string; the last two
    carry no heads, so ``emotion`` and ``need`` are ``None``.
    """

    text: str
    heads: Mapping[str, LabelScore] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    status: str = "ok"
    uncertain: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "heads", MappingProxyType(dict(self.heads)))

    @property
    def emotion(self) -> LabelScore | None:
        """The ``emotion`` head's score, or ``None`` when there is none."""
        return self.heads.get("emotion")

    @property
    def need(self) -> LabelScore | None:
        """The ``need`` head's score, or ``None`` when there is none."""
        return self.heads.get("need")

    def to_row(self, head_names: tuple[str, ...] | None = None) -> dict[str, object]:
        """Flatten to one CSV/JSON row: ``<head>``, ``<head>_confidence`` for each head, then
        ``keywords`` joined with ``|``, ``uncertain`` and ``status``.

        Pass ``head_names`` so rows without heads (empty input) still have every column.
        """
        names = head_names if head_names is not None else tuple(self.heads)
        columns = PredictionTable.from_predictions([self], names).columns()
        return {column: values[0] for column, values in columns.items()}

    def __hash__(self) -> int:
        return hash((self.text, tuple(self.heads.items()), self.keywords, self.status))

    def __reduce__(self):
        return (Prediction, (self.text, dict(self.heads), self.keywords, self.status, self.uncertain))


_new = object.__new__
_set = object.__setattr__  # frozen dataclasses are filled this way by their own __init__ too


def _make_label_score(
    label: str, probability: float, labels: tuple[str, ...], probabilities: tuple[float, ...]
) -> LabelScore:
    """``LabelScore(label, probability, labels, probabilities)`` for values the model built, which
    need no checks: a batch builds thousands, and this way costs a third as much."""
    score = _new(LabelScore)
    _set(score, "label", label)
    _set(score, "probability", probability)
    _set(score, "labels", labels)
    _set(score, "probabilities", probabilities)
    return score


def _make_prediction(
    text: str, heads: dict[str, LabelScore], keywords: tuple[str, ...], status: str, uncertain: bool
) -> Prediction:
    """``Prediction(text, heads, keywords, status, uncertain)`` for values the model built: ``heads``
    is a new dict that nothing else holds, so it is wrapped, not copied."""
    prediction = _new(Prediction)
    _set(prediction, "text", text)
    _set(prediction, "heads", MappingProxyType(heads))
    _set(prediction, "keywords", keywords)
    _set(prediction, "status", status)
    _set(prediction, "uncertain", uncertain)
    return prediction


@dataclass(frozen=True, slots=True)
class PredictionTable:
    """The predictions of a batch as columns, one entry per input in input order.

    What ``EmotionModel.predict_table`` returns: the top label and its probability per
    head, without the full distributions, which is all a data frame or CSV file holds and
    much cheaper to build for many rows. A row without heads (status ``"empty"`` or
    ``"not_text"``) has label ``""`` and probability ``None``.
    """

    texts: tuple[str, ...]
    statuses: tuple[str, ...]
    labels: Mapping[str, tuple[str, ...]]
    probabilities: Mapping[str, tuple[float | None, ...]]
    keywords: tuple[tuple[str, ...], ...]
    uncertain: tuple[bool, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        object.__setattr__(self, "probabilities", MappingProxyType(dict(self.probabilities)))
        columns = [self.statuses, self.keywords, self.uncertain, *self.labels.values(), *self.probabilities.values()]
        if any(len(column) != len(self.texts) for column in columns):
            raise ValueError(f"every column of a PredictionTable needs {len(self.texts)} values, one per text")

    @classmethod
    def from_predictions(cls, predictions: Iterable[Prediction], head_names: Sequence[str]) -> PredictionTable:
        """The table of a list of predictions (with these heads)."""
        predictions = list(predictions)
        labels, probabilities = {}, {}
        for name in head_names:
            scores = [p.heads.get(name) for p in predictions]
            labels[name] = tuple(s.label if s else "" for s in scores)
            probabilities[name] = tuple(s.probability if s else None for s in scores)
        return cls(
            tuple(p.text for p in predictions),
            tuple(p.status for p in predictions),
            labels,
            probabilities,
            tuple(p.keywords for p in predictions),
            tuple(p.uncertain for p in predictions),
        )

    def __len__(self) -> int:
        return len(self.texts)

    def __hash__(self) -> int:
        return hash((self.texts, self.statuses, self.keywords, self.uncertain))

    def __reduce__(self):
        fields = (self.labels, self.probabilities)
        return (PredictionTable, (self.texts, self.statuses, *map(dict, fields), self.keywords, self.uncertain))

    def columns(self) -> dict[str, list[object]]:
        """The columns of :meth:`Prediction.to_row`, each a list with one value per row.

        Examples
        --------
        >>> table = PredictionTable(("好",), ("ok",), {"emotion": ("satisfaction",)}, {"emotion": (0.91234,)},
        ...                         (("好",),), (False,))
        >>> table.columns()
        {'emotion': ['satisfaction'], 'emotion_confidence': [0.9123], 'keywords': ['好'], 'uncertain': [False], \
'status': ['ok']}
        """
        columns: dict[str, list[object]] = {}
        for name, labels in self.labels.items():
            columns[name] = list(labels)
            columns[f"{name}_confidence"] = ["" if p is None else round(p, 4) for p in self.probabilities[name]]
        columns["keywords"] = ["|".join(k) for k in self.keywords]
        columns["uncertain"] = list(self.uncertain)
        columns["status"] = list(self.statuses)
        return columns


@dataclass(frozen=True, slots=True)
class Reply:
    """A suggested agent reply.

    ``echoed`` are the customer's own words it quotes (verbatim), ``question`` its closing
    open question.
    """

    template_id: str
    text: str
    echoed: tuple[str, ...] = ()
    question: str = ""

    def to_row(self) -> dict[str, object]:
        """One CSV/JSON row for this reply."""
        return {
            "template_id": self.template_id,
            "reply": self.text,
            "echoed": "|".join(self.echoed),
            "question": self.question,
        }
