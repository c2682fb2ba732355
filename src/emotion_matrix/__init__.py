"""emotion_matrix: emotion and need of Chinese customer-service messages, with mirroring replies.

>>> from emotion_matrix import load_model, suggest_replies
>>> model = load_model()
>>> p = model.predict_one("等了两个小时还没送到，气死了！")
>>> p.emotion.label
'anger'
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from .errors import DataError, EmotionMatrixError, ModelFormatError, NotFittedError, TemplateError
from .model import EmotionModel, ModelConfig
from .persist import load_model, save_model
from .result import LabelScore, Prediction, PredictionTable, Reply

try:
    __version__ = version("emotion-matrix")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

# Names whose modules need pandas or scikit-learn are imported on first use, so that
# `from emotion_matrix import load_model` starts a scoring service quickly.
_LAZY = {
    "ScoreReport": "batch",
    "score_csv": "batch",
    "HeadReport": "evaluate",
    "evaluate": "evaluate",
    "Templates": "mirroring",
    "load_templates": "mirroring",
    "suggest_replies": "mirroring",
    "TrainingReport": "train",
    "train_from_csv": "train",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "DataError",
    "EmotionMatrixError",
    "EmotionModel",
    "HeadReport",
    "LabelScore",
    "ModelConfig",
    "ModelFormatError",
    "NotFittedError",
    "Prediction",
    "PredictionTable",
    "Reply",
    "ScoreReport",
    "TemplateError",
    "Templates",
    "TrainingReport",
    "__version__",
    "evaluate",
    "load_model",
    "load_templates",
    "save_model",
    "score_csv",
    "suggest_replies",
    "train_from_csv",
]
