from pathlib import Path

import pandas as pd
import pytest

from emotion_matrix import EmotionModel, ModelConfig

DATA = Path(__file__).parent / "data"
SMALL = ModelConfig(char_bits=16, C=4.0)


@pytest.fixture(scope="session")
def tiny_corpus() -> pd.DataFrame:
    """84 hand-written messages: two for each emotion x need pair."""
    return pd.read_csv(DATA / "tiny.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def trained_model(tiny_corpus) -> EmotionModel:
    return EmotionModel(SMALL).fit(tiny_corpus["text"], tiny_corpus[["emotion", "need"]])


@pytest.fixture()
def tiny_csv(tmp_path, tiny_corpus) -> Path:
    path = tmp_path / "tiny.csv"
    tiny_corpus.to_csv(path, index=False)
    return path
