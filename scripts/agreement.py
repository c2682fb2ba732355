"""Inter-annotator agreement between the two labeling passes.

    python scripts/agreement.py

Compares data/labels_pass2.csv (an independent second pass over random samples) with
the first-pass labels in data/labels.csv: Cohen's kappa and macro-F1 (second pass scored
against the first) per head, and keyword overlap; for all double-labeled messages and for
each labeling draw (see ``DRAW_LAST_BATCHES`` in scripts/corpus.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from corpus import draw_of
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

ROOT = Path(__file__).resolve().parent.parent


def agreement(both: pd.DataFrame) -> dict[str, object]:
    """Agreement of the two passes over the messages of ``both`` (columns ``<field>_1`` and ``<field>_2``)."""
    report: dict[str, object] = {"n": len(both)}
    for head in ("emotion", "need"):
        a, b = both[f"{head}_1"], both[f"{head}_2"]
        report[head] = {
            "kappa": round(cohen_kappa_score(a, b), 4),
            "accuracy": round(accuracy_score(a, b), 4),
            "macro_f1": round(f1_score(a, b, average="macro"), 4),
        }
    hits = total = 0
    for k1, k2 in zip(both["keywords_1"], both["keywords_2"]):
        one, two = [k for k in k1.split("|") if k], [k for k in k2.split("|") if k]
        total += len(one)
        hits += sum(any(x in y or y in x for y in two) for x in one)
    report["keywords_first_pass_found_by_second"] = round(hits / total, 4) if total else None
    return report


def main() -> None:
    first = pd.read_csv(ROOT / "data/labels.csv", dtype=str, keep_default_na=False).set_index("id")
    second = pd.read_csv(ROOT / "data/labels_pass2.csv", dtype=str, keep_default_na=False).set_index("id")
    both = second.merge(first, left_index=True, right_index=True, suffixes=("_2", "_1"))
    draws = both["batch"].map(draw_of)
    parts = {"all": both, **{f"draw {k}": both[draws == k] for k in sorted(draws.unique())}}
    report = {name: agreement(part) for name, part in parts.items() if len(part)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
