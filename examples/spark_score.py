"""Score a CSV file with Spark: ``mapInPandas``, the model loaded once per batch iterator.

    pip install "emotion-matrix[spark]"      # pyspark; Spark needs a Java runtime (17 or newer)
    python examples/spark_score.py IN.csv OUT_FOLDER [--text-column text]

Spark reads the CSV in parallel, every Python worker scores its rows with
``emotion_matrix.batch.score_dataframe`` and Spark writes one CSV part per partition into
OUT_FOLDER. ``tests/test_spark.py`` runs :func:`score_spark` on a local Spark session.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame, SparkSession

from emotion_matrix import load_model
from emotion_matrix.batch import score_dataframe

ADDED = (
    "emotion string, emotion_confidence double, need string, need_confidence double, "
    "keywords string, uncertain boolean, status string, reply string"
)


def score_spark(df: DataFrame, text_column: str = "text", model_dir: str | None = None) -> DataFrame:
    """``df`` with the prediction columns appended (lazily, like any Spark transformation).

    ``model_dir`` is a model folder every worker can read; the default is the shipped model.
    """

    def score_batches(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = load_model(model_dir)  # once per task, not per batch
        for frame in frames:
            yield score_dataframe(frame, model, text_column=text_column)

    schema = ", ".join(f"`{name}` string" for name in df.columns) + ", " + ADDED
    return df.mapInPandas(score_batches, schema=schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("output")
    parser.add_argument("--text-column", default="text")
    args = parser.parse_args()
    spark = SparkSession.builder.appName("emotion_matrix").getOrCreate()
    df = spark.read.csv(args.source, header=True, multiLine=True, escape='"')  # every column a string
    score_spark(df, args.text_column).write.csv(args.output, header=True)
    spark.stop()


if __name__ == "__main__":
    main()
