"""The README's Spark example (examples/spark_score.py), run on a local Spark session.

Runs when pyspark is installed (``pip install -e ".[dev,spark]"``) and Java is on the PATH.
"""

import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from emotion_matrix import load_model
from emotion_matrix.batch import score_dataframe

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from spark_score import score_spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers run this interpreter, which has emotion_matrix
    session = (
        SparkSession.builder.master("local[2]")
        .appName("emotion_matrix test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()
    if before is None:
        os.environ.pop("PYSPARK_PYTHON")
    else:
        os.environ["PYSPARK_PYTHON"] = before


# pyspark 4.3 warns about pandas 3 and calls a deprecated pandas argument itself; neither is ours to fix.
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_scores_like_the_local_path(spark, tiny_corpus):
    frame = tiny_corpus[["text", "emotion"]].rename(columns={"emotion": "gold"})
    frame["id"] = [str(i) for i in range(len(frame))]
    scored = score_spark(spark.createDataFrame(frame).repartition(3)).toPandas()
    assert len(scored) == len(frame)
    scored = scored.set_index("id").loc[frame["id"]].reset_index()
    expected = score_dataframe(frame, load_model())
    pd.testing.assert_frame_equal(scored[expected.columns], expected, check_dtype=False, check_exact=False)
