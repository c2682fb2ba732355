"""Immutable result values: label scores, predictions and suggested replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

EMOTIONS = ("anger", "anxiety", "disappointment", "confusion", "satisfaction", "neutral")
NEEDS = ("efficiency", "fairness", "respect", "reliability", "information", "security", "other")
TAXONOMY = {"emotion": EMOTIONS, "need": NEEDS}  # the taxonomy's labels of the two default heads


@dataclass(frozen=True, slots=True)
class LabelScore:
    """One head's answer: the top label, its probability and the full distribution.

    ``distribution`` holds ``(label, probability)`` pairs, highest first.
    """

    label: str
    probability: float
    distribution: tuple[tuple[str, float], ...]


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
        row: dict[str, object] = {}
        for name in head_names if head_names is not None else tuple(self.heads):
            score = self.heads.get(name)
            row[name] = score.label if score else ""
            row[f"{name}_confidence"] = round(score.probability, 4) if score else ""
        row["keywords"] = "|".join(self.keywords)
        row["uncertain"] = self.uncertain
        row["status"] = self.status
        return row

    def __hash__(self) -> int:
        return hash((self.text, tuple(self.heads.items()), self.keywords, self.status))

    def __reduce__(self):
        return (Prediction, (self.text, dict(self.heads), self.keywords, self.status, self.uncertain))


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
