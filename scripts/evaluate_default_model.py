"""Figures for the model card: hold-out, leave-one-source-out, polarity vs SnowNLP, calibration.

    python scripts/evaluate_default_model.py [--data-dir ../shared/data] [--polarity-n 2000]

Trains with the shipped model's config on the committed labels (texts joined from
../shared/data), prints markdown tables and writes pictures to models/figures/:
- the grouped 80/20 hold-out: per-head accuracy and macro-F1, keyword precision/recall,
  a confusion matrix per head and a reliability diagram of the emotion head; the same
  hold-out with the hand-written rows of data/written.csv added to training;
- grouped 5-fold cross-validation over all rows (less split noise than one hold-out), with
  and without word vectors, without negated word forms and naive Bayes weights, and on the
  same folds the earlier labeling draws' test rows scored by models trained with and without
  the latest draw (does the latest draw help?);
- leave-one-source-out: train without a source, test on all of its labeled rows (also
  without word vectors);
- polarity: on review rows that were never labeled, map emotions to polarity (satisfaction
  positive; anger, anxiety, disappointment negative) with the model trained without that
  corpus and with the shipped model, next to SnowNLP's sentiment on the same rows.
Needs the ``bench`` extra (snownlp, matplotlib).
"""

from __future__ import annotations

import argparse
import json
import random
import time
import warnings
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from build_default_model import labeled_frame  # noqa: E402
from corpus import DRAW_LAST_BATCHES, iter_source  # noqa: E402

from emotion_matrix import EmotionModel, ModelConfig, load_model  # noqa: E402
from emotion_matrix.evaluate import evaluate, keyword_agreement  # noqa: E402
from emotion_matrix.train import split_rows  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HEADS = ["emotion", "need"]
NEGATIVE = ("anger", "anxiety", "disappointment")


def fit(frame, calibrate: bool = True, **config) -> EmotionModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return EmotionModel(ModelConfig(calibrate=calibrate, **config)).fit(
            frame["text"].tolist(), frame[HEADS].reset_index(drop=True), keywords=frame["keywords"].tolist()
        )


def confusion_picture(report, path: Path) -> None:
    matrix = np.asarray(report.confusion, dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(report.labels)), report.labels, rotation=45, ha="right")
    ax.set_yticks(range(len(report.labels)), report.labels)
    for i in range(len(report.labels)):
        for j in range(len(report.labels)):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center", color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{report.head}: hold-out confusion (accuracy {report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def reliability(model, texts, truth, path: Path) -> dict[str, float]:
    predictions = model.predict(texts)
    confidence = np.array([p.emotion.probability for p in predictions])
    correct = np.array([p.emotion.label == t for p, t in zip(predictions, truth)], dtype=float)
    edges = np.linspace(0, 1, 11)
    bins = np.clip(np.digitize(confidence, edges) - 1, 0, 9)
    rows = []
    ece = 0.0
    for b in range(10):
        mask = bins == b
        if mask.any():
            rows.append((confidence[mask].mean(), correct[mask].mean(), int(mask.sum())))
            ece += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot([r[0] for r in rows], [r[1] for r in rows], "o-", label="emotion head")
    for x, y, n in rows:
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=8)
    ax.set_xlabel("predicted probability of the top emotion")
    ax.set_ylabel("share correct")
    ax.set_title(f"Reliability on the hold-out (ECE {ece:.3f})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    uncertain = np.array([p.uncertain for p in predictions])
    return {
        "ece": round(float(ece), 4),
        "accuracy_when_sure": round(float(correct[~uncertain].mean()), 4),
        "accuracy_when_uncertain": round(float(correct[uncertain].mean()), 4) if uncertain.any() else None,
        "share_uncertain": round(float(uncertain.mean()), 4),
    }


def macro_f1(model, frame) -> list[float]:
    return [r.macro_f1 for r in evaluate(model, frame["text"].tolist(), frame[HEADS].reset_index(drop=True))]


def cross_validation(frame, earlier) -> dict[str, dict[str, str]]:
    """Macro-F1 mean ± sd over grouped 5-fold CV.

    All rows with the default config, without word vectors, and without negated word forms
    and naive Bayes weights; and the ``earlier`` draws' rows scored by models trained with
    and without the latest draw.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    scores: dict[str, list[list[float]]] = {
        "all rows": [],
        "all rows, no word vectors": [],
        "all rows, no negated forms, no naive Bayes": [],
        "earlier draws, trained on all draws": [],
        "earlier draws, trained on them only": [],
    }
    folds = StratifiedGroupKFold(5, shuffle=True, random_state=0).split(frame, frame["emotion"], frame["group"])
    for train, test in folds:
        # Calibration rescales probabilities but never changes a label, so it is skipped here.
        model = fit(frame.iloc[train], calibrate=False)
        scores["all rows"].append(macro_f1(model, frame.iloc[test]))
        plain = fit(frame.iloc[train], calibrate=False, word_vectors=None)
        scores["all rows, no word vectors"].append(macro_f1(plain, frame.iloc[test]))
        before = fit(frame.iloc[train], calibrate=False, negation=False, nb_weight=0.0)
        scores["all rows, no negated forms, no naive Bayes"].append(macro_f1(before, frame.iloc[test]))
        test_earlier = frame.iloc[test][earlier.iloc[test].to_numpy()]
        scores["earlier draws, trained on all draws"].append(macro_f1(model, test_earlier))
        alone = fit(frame.iloc[train][earlier.iloc[train].to_numpy()], calibrate=False)
        scores["earlier draws, trained on them only"].append(macro_f1(alone, test_earlier))
    print("\n## Grouped 5-fold cross-validation (macro-F1, mean ± sd)\n\n| rows | emotion | need |\n|---|---|---|")
    summary = {}
    for name, values in scores.items():
        a = np.asarray(values)
        summary[name] = {h: f"{a[:, i].mean():.3f} ± {a[:, i].std():.3f}" for i, h in enumerate(HEADS)}
        print(f"| {name} | {summary[name]['emotion']} | {summary[name]['need']} |")
    return summary


def polarity(model, texts, labels) -> tuple[float, dict[str, int]]:
    """Accuracy, and the top emotion of each positive review read as negative (counted)."""
    hits, misread = 0, Counter()
    for p, label in zip(model.predict(texts), labels):
        share = dict(p.emotion.distribution)
        positive = share["satisfaction"] >= sum(share[e] for e in NEGATIVE)
        hits += positive == (label == 1)
        misread.update([p.emotion.label] if label == 1 and not positive else [])
    return hits / len(texts), dict(misread.most_common())


def snownlp_polarity(texts, labels) -> tuple[float, float]:
    from snownlp import SnowNLP

    start = time.perf_counter()
    hits = sum((SnowNLP(t).sentiments >= 0.5) == (label == 1) for t, label in zip(texts, labels))
    return hits / len(texts), len(texts) / (time.perf_counter() - start)


def review_sample(data_dir: Path, source: str, exclude: set[str], n: int, seed: int) -> tuple[list[str], list[int]]:
    import csv

    relative = {
        "waimai": "reviews/waimai_10k.csv",
        "hotel": "reviews/ChnSentiCorp_htl_all.csv",
        "shopping": "reviews/online_shopping_10_cats.csv",
    }[source]
    with (data_dir / relative).open(encoding="utf-8") as handle:
        labels = [int(r["label"]) for r in csv.DictReader(handle)]
    rows = [(i, t) for i, t in iter_source(data_dir, source) if i not in exclude and t]
    rows = random.Random(seed).sample(rows, min(n, len(rows)))
    return [t for _, t in rows], [labels[int(i.rsplit(":", 1)[1])] for i, _ in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--polarity-n", type=int, default=2000)
    parser.add_argument("--figures", type=Path, default=ROOT / "models/figures")
    args = parser.parse_args()
    args.figures.mkdir(parents=True, exist_ok=True)
    frame = labeled_frame(args.data_dir)
    results: dict[str, object] = {"rows": len(frame)}

    train, test = split_rows(frame[["emotion"]], test_size=0.2, random_state=0, groups=frame["group"].tolist())
    model = fit(frame.iloc[train])
    held = frame.iloc[test]
    reports = evaluate(model, held["text"].tolist(), held[HEADS].reset_index(drop=True))
    print("## Hold-out (grouped 80/20)\n\n| head | accuracy | macro-F1 |\n|---|---|---|")
    for r in reports:
        print(f"| {r.head} | {r.accuracy:.3f} | {r.macro_f1:.3f} |")
        confusion_picture(r, args.figures / f"confusion_{r.head}.png")
    results["holdout"] = {r.head: {"accuracy": r.accuracy, "macro_f1": r.macro_f1} for r in reports}
    results["keywords"] = keyword_agreement(model, held["text"].tolist(), held["keywords"].tolist())
    results["calibration"] = reliability(
        model, held["text"].tolist(), held["emotion"].tolist(), args.figures / "reliability_emotion.png"
    )
    print(f"\nkeywords: {results['keywords']}\ncalibration: {results['calibration']}")

    written = pd.read_csv(ROOT / "data/written.csv", dtype=str, keep_default_na=False)
    with_written = fit(pd.concat([frame.iloc[train], written[["text", *HEADS, "keywords"]]], ignore_index=True))
    reports = evaluate(with_written, held["text"].tolist(), held[HEADS].reset_index(drop=True))
    results["with_written"] = {r.head: {"accuracy": r.accuracy, "macro_f1": r.macro_f1} for r in reports}
    print("\n## Same hold-out, training also on data/written.csv\n\n| head | accuracy | macro-F1 |\n|---|---|---|")
    for r in reports:
        print(f"| {r.head} | {r.accuracy:.3f} | {r.macro_f1:.3f} |")

    results["cross_validation"] = cross_validation(frame, frame["batch"] <= DRAW_LAST_BATCHES[-1])

    print(
        "\n## Leave one source out (macro-F1; in brackets, without word vectors)\n\n"
        "| held-out source | rows | emotion | need |\n|---|---|---|---|"
    )
    loso = {}
    shipped = load_model()  # trained on every labeled row; the polarity rows were never labeled
    for source in ["jddc", "atec", "waimai", "hotel", "shopping"]:
        inside = frame["source"] == source
        m = fit(frame[~inside])
        part = frame[inside]
        r = evaluate(m, part["text"].tolist(), part[HEADS].reset_index(drop=True))
        plain = macro_f1(fit(frame[~inside], word_vectors=None), part)
        loso[source] = {"rows": int(inside.sum()), **{h.head: round(h.macro_f1, 4) for h in r}}
        loso[source]["no_word_vectors"] = dict(zip(HEADS, (round(v, 4) for v in plain)))
        cells = [f"{h.macro_f1:.3f} ({p:.3f})" for h, p in zip(r, plain)]
        print(f"| {source} | {inside.sum()} | {' | '.join(cells)} |")
        if source in ("waimai", "hotel", "shopping"):
            texts, labels = review_sample(args.data_dir, source, set(frame["id"]), args.polarity_n, seed=1)
            ours, misread = polarity(m, texts, labels)
            theirs, rate = snownlp_polarity(texts, labels)
            loso[source]["polarity"] = {
                "n": len(texts),
                "positive": sum(label == 1 for label in labels),
                "emotion_matrix": round(ours, 4),
                "positive_read_as_negative": misread,
                "shipped_model": round(polarity(shipped, texts, labels)[0], 4),
                "snownlp": round(theirs, 4),
                "snownlp_msgs_per_s": round(rate),
            }
    results["leave_one_source_out"] = loso
    print("\n## Polarity on unlabeled review rows\n")
    print("| corpus | rows | model trained without that corpus | shipped model | SnowNLP |\n|---|---|---|---|---|")
    for source in ("waimai", "hotel", "shopping"):
        p = loso[source]["polarity"]
        print(f"| {source} | {p['n']} | {p['emotion_matrix']:.3f} | {p['shipped_model']:.3f} | {p['snownlp']:.3f} |")
    for source in ("waimai", "hotel", "shopping"):
        p = loso[source]["polarity"]
        print(
            f"\n{source}: of {p['positive']} positive reviews, trained without the corpus reads as negative, by top "
            f"emotion: {p['positive_read_as_negative']}"
        )
    (ROOT / "models/evaluation.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
