"""Does auxiliary human-labeled emotion data (Weibo) help the emotion head?

    python scripts/auxiliary_emotion.py [--data-dir ../shared/data] [--json out.json]

Trains emotion-only models (``ModelConfig(calibrate=False)``) on our labeled rows
(data/labels.csv joined with ../shared/data), with and without auxiliary rows from
SMP2020-EWECT and NLPCC 2013/2014 mapped onto our six emotions, and prints markdown
tables of emotion macro-F1 on
- the grouped 80/20 hold-out (same split as scripts/evaluate_default_model.py), and
- leave-one-source-out: train on the other four sources (+ auxiliary rows), test on
  every labeled row of the held-out source.
Auxiliary rows are only ever added to the training side; they are never tested on.

Macro-F1 is averaged over the labels present in the truth (as emotion_matrix.evaluate
does, so the baseline matches models/evaluation.json's convention); a second table gives
sklearn's default (labels in truth or predictions), which also charges a source for
predicting a class that source never has.

Mapping (surprise is dropped: on Weibo it is exclamation/amazement, not a customer's
"I don't understand"; the ``surprise->confusion`` variant measures that choice):
    angry, anger, disgust     -> anger           (disgust at a product/service reads as anger)
    happy, happiness, like    -> satisfaction
    sad, sadness              -> disappointment  (sadness about an outcome ~ let down)
    fear                      -> anxiety         (worry about what will happen)
    neutral, none             -> neutral
    surprise                  -> dropped         (or confusion in one variant)
Nothing maps to confusion, so that class only ever learns from our own rows.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from build_default_model import labeled_frame
from sklearn.metrics import f1_score

from emotion_matrix import EmotionModel, ModelConfig
from emotion_matrix.train import split_rows

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["jddc", "atec", "waimai", "hotel", "shopping"]
MAPPING = {
    "angry": "anger",
    "anger": "anger",
    "disgust": "anger",
    "happy": "satisfaction",
    "happiness": "satisfaction",
    "like": "satisfaction",
    "sad": "disappointment",
    "sadness": "disappointment",
    "fear": "anxiety",
    "neutral": "neutral",
    "none": "neutral",
    "surprise": None,
}
_MENTION = re.compile(r"//@[^:：\s]{1,30}[:：]?|@[^:：\s]{1,30}[:：]?|https?://\S+")


def clean(text: str) -> str:
    """Drop Weibo @mentions, retweet markers and links; collapse white space."""
    return " ".join(_MENTION.sub(" ", str(text).replace("\ufeff", "")).split())


def raw_auxiliary(data_dir: Path) -> pd.DataFrame:
    """Every auxiliary row: corpus, cleaned text, original label."""
    parts = []
    for name in ("usual_eval_labeled", "virus_train", "virus_eval_labeled"):
        rows = json.loads((data_dir / f"emotion/smp2020_ewect/{name}.json").read_text(encoding="utf-8"))
        parts.append(
            pd.DataFrame(
                {"corpus": "smp2020", "text": [r["content"] for r in rows], "label": [r["label"] for r in rows]}
            )
        )
    for name in ("nlpcc2013_sentences", "nlpcc2014_sentences"):
        frame = pd.read_csv(data_dir / f"emotion/nlpcc/{name}.csv", dtype=str, keep_default_na=False)
        parts.append(pd.DataFrame({"corpus": "nlpcc", "text": frame["text"], "label": frame["label"]}))
    frame = pd.concat(parts, ignore_index=True)
    frame["text"] = frame["text"].map(clean)
    return frame[frame["text"].str.len() >= 2].reset_index(drop=True)


def auxiliary(data_dir: Path, mapping: dict, exclude: set[str]) -> tuple[pd.DataFrame, dict]:
    """Mapped, deduplicated auxiliary rows (text, emotion, corpus) and counts of what was dropped."""
    raw = raw_auxiliary(data_dir)
    mapped = raw.assign(emotion=raw["label"].map(mapping)).dropna(subset=["emotion"])
    labels_per_text = mapped.groupby("text")["emotion"].nunique()
    conflicting = set(labels_per_text[labels_per_text > 1].index)
    kept = mapped[~mapped["text"].isin(conflicting | exclude)].drop_duplicates("text")
    stats = {
        "raw_rows": len(raw),
        "unmapped_rows": int(raw["label"].map(mapping).isna().sum()),
        "conflicting_texts_dropped": len(conflicting),
        "duplicate_rows_dropped": int(len(mapped[~mapped["text"].isin(conflicting | exclude)]) - len(kept)),
        "rows": len(kept),
        "by_class": kept["emotion"].value_counts().to_dict(),
        "by_corpus": kept.groupby("corpus")["emotion"].value_counts().unstack(fill_value=0).to_dict("index"),
    }
    return kept[["text", "emotion", "corpus"]].reset_index(drop=True), stats


def capped(frame: pd.DataFrame, cap: int, seed: int = 0) -> pd.DataFrame:
    """At most ``cap`` random rows per class."""
    parts = [g.sample(min(cap, len(g)), random_state=seed) for _, g in frame.groupby("emotion", sort=True)]
    return pd.concat(parts, ignore_index=True)


def fit(texts: list[str], labels: list[str]) -> EmotionModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate texts with different labels across corpora
        return EmotionModel(ModelConfig(calibrate=False)).fit(texts, {"emotion": labels})


def macro(truth, predicted, *, present: bool = True) -> float:
    labels = sorted(set(truth)) if present else None
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def run_variant(frame: pd.DataFrame, train: np.ndarray, test: np.ndarray, aux: pd.DataFrame | None) -> dict:
    extra_texts = [] if aux is None else aux["text"].tolist()
    extra_labels = [] if aux is None else aux["emotion"].tolist()
    held = frame.iloc[test]
    base = frame.iloc[train]
    model = fit(base["text"].tolist() + extra_texts, base["emotion"].tolist() + extra_labels)
    predicted = [p.emotion.label for p in model.predict(held["text"].tolist())]
    truth = held["emotion"].tolist()
    result = {
        "aux_rows": len(extra_texts),
        "holdout": macro(truth, predicted),
        "holdout_sklearn": macro(truth, predicted, present=False),
        "holdout_predictions": predicted,
        "loso": {},
        "loso_sklearn": {},
    }
    for source in SOURCES:
        inside = frame["source"] == source
        rest = frame[~inside]
        model = fit(rest["text"].tolist() + extra_texts, rest["emotion"].tolist() + extra_labels)
        part = frame[inside]
        got = [p.emotion.label for p in model.predict(part["text"].tolist())]
        result["loso"][source] = macro(part["emotion"].tolist(), got)
        result["loso_sklearn"][source] = macro(part["emotion"].tolist(), got, present=False)
    return result


def paired_bootstrap(truth: list[str], a: list[str], b: list[str], n: int = 1000, seed: int = 0) -> tuple:
    """Mean and 95% interval of macro-F1(b) - macro-F1(a) over resampled hold-out rows."""
    rng = np.random.default_rng(seed)
    truth, a, b = np.asarray(truth), np.asarray(a), np.asarray(b)
    diffs = []
    for _ in range(n):
        i = rng.integers(0, len(truth), len(truth))
        diffs.append(macro(truth[i].tolist(), b[i].tolist()) - macro(truth[i].tolist(), a[i].tolist()))
    return float(np.mean(diffs)), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def table(results: dict, key: str, hold_key: str) -> str:
    lines = [
        "| variant | aux rows | hold-out | " + " | ".join(SOURCES) + " | LOSO mean |",
        "|---|---:|---:|" + "---:|" * (len(SOURCES) + 1),
    ]
    for name, r in results.items():
        loso = [r[key][s] for s in SOURCES]
        lines.append(
            f"| {name} | {r['aux_rows']} | {r[hold_key]:.3f} | "
            + " | ".join(f"{v:.3f}" for v in loso)
            + f" | {np.mean(loso):.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--json", type=Path, help="also write the figures (no texts) to this file")
    args = parser.parse_args()
    start = time.perf_counter()

    frame = labeled_frame(args.data_dir)
    train, test = split_rows(frame[["emotion", "need"]], test_size=0.2, random_state=0, groups=frame["group"].tolist())
    ours = set(frame["text"].map(clean))
    aux, stats = auxiliary(args.data_dir, MAPPING, ours)
    aux_confusion, stats_confusion = auxiliary(args.data_dir, {**MAPPING, "surprise": "confusion"}, ours)
    print(f"our rows: {len(frame)} (train {len(train)}, hold-out {len(test)})")
    print("auxiliary (surprise dropped):", json.dumps(stats, ensure_ascii=False))
    print("auxiliary (surprise->confusion) by class:", json.dumps(stats_confusion["by_class"]))

    variants = {
        "baseline (ours only)": None,
        "+ aux, all mapped": aux,
        "+ aux, <=2000 per class": capped(aux, 2000),
        "+ aux, <=600 per class (3k)": capped(aux, 600),
        "+ aux, <=600 per class (3k), sample seed 1": capped(aux, 600, seed=1),
        "+ aux, <=600 per class (3k), sample seed 2": capped(aux, 600, seed=2),
        "+ aux, <=200 per class (1k)": capped(aux, 200),
        "+ aux, <=2000 per class, surprise->confusion": capped(aux_confusion, 2000),
    }
    results = {}
    for name, extra in variants.items():
        t = time.perf_counter()
        results[name] = run_variant(frame, train, test, extra)
        print(f"  {name}: {time.perf_counter() - t:.0f} s", flush=True)

    print("\n## Emotion macro-F1 (labels present in the truth, as emotion_matrix.evaluate)\n")
    print(table(results, "loso", "holdout"))
    print("\n## Emotion macro-F1 (sklearn default: labels in truth or predictions)\n")
    print(table(results, "loso_sklearn", "holdout_sklearn"))

    truth = frame.iloc[test]["emotion"].tolist()
    baseline = results["baseline (ours only)"]["holdout_predictions"]
    print("\n## Hold-out difference to the baseline (paired bootstrap, 1000 resamples of hold-out rows)\n")
    print("| variant | mean diff | 95% interval |\n|---|---:|---|")
    for name, r in list(results.items())[1:]:
        mean, low, high = paired_bootstrap(truth, baseline, r["holdout_predictions"])
        r["holdout_bootstrap_diff"] = {"mean": mean, "low": low, "high": high}
        print(f"| {name} | {mean:+.3f} | [{low:+.3f}, {high:+.3f}] |")
    classes = sorted(set(truth))
    print("\n## Hold-out F1 per class\n")
    print("| variant | " + " | ".join(classes) + " |\n|---|" + "---:|" * len(classes))
    for name, r in results.items():
        per_class = f1_score(truth, r["holdout_predictions"], labels=classes, average=None, zero_division=0)
        r["holdout_per_class"] = dict(zip(classes, map(float, per_class)))
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in per_class) + " |")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")

    if args.json:
        for r in results.values():
            r.pop("holdout_predictions")
        out = {"auxiliary": stats, "auxiliary_surprise_confusion": stats_confusion, "results": results}
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
