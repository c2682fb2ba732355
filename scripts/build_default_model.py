"""Train the shipped default model from data/labels.csv (+ data/written.csv).

    python scripts/build_default_model.py [--data-dir ../shared/data]

Joins the committed label ids with their texts in the public corpora, trains with a
grouped, stratified 80/20 hold-out (one conversation never on both sides), writes the
hold-out figures to models/training_report.json, refits on every row and saves the model
into the package (src/emotion_matrix/resources/default_model).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

import pandas as pd
from corpus import texts_by_id

from emotion_matrix import ModelConfig, train_from_csv

ROOT = Path(__file__).resolve().parent.parent


def labeled_frame(data_dir: Path, *, written: bool = False) -> pd.DataFrame:
    """Every labeled real message with its text; with ``written``, then the hand-written ones."""
    labels = pd.read_csv(ROOT / "data/labels.csv", dtype=str, keep_default_na=False)
    texts = texts_by_id(data_dir, set(labels["id"]))
    labels.insert(1, "text", labels["id"].map(texts))
    written_path = ROOT / "data/written.csv"
    if written:
        extra = pd.read_csv(written_path, dtype=str, keep_default_na=False)
        extra = extra.assign(source="written", group=extra["id"])
        labels = pd.concat([labels, extra[labels.columns.intersection(extra.columns)]], ignore_index=True)
    return labels.fillna("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--out", type=Path, default=ROOT / "src/emotion_matrix/resources/default_model")
    parser.add_argument("--report", type=Path, default=ROOT / "models/training_report.json")
    parser.add_argument(
        "--with-written", action="store_true", help="also train on data/written.csv (it lowered need macro-F1)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    frame = labeled_frame(args.data_dir, written=args.with_written)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labeled.csv"
        frame[["text", "emotion", "need", "group", "keywords"]].to_csv(path, index=False)
        report = train_from_csv(
            path,
            args.out,
            config=ModelConfig(),
            label_columns=["emotion", "need"],
            group_column="group",
            keyword_column="keywords",
            test_size=0.2,
            random_state=0,
            refit=True,
        )
    data = report.to_dict()
    data["model_dir"] = str(args.out.relative_to(ROOT)) if args.out.is_relative_to(ROOT) else str(args.out)
    data["rows_by_source"] = frame["source"].value_counts().to_dict()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for head in report.heads:
        logging.info("%s: accuracy %.3f macro-F1 %.3f", head.head, head.accuracy, head.macro_f1)


if __name__ == "__main__":
    main()
