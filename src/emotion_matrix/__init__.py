"""emotion_matrix: emotion and need of Chinese customer-service messages, with mirroring replies.

>>> from emotion_matrix import load_model, suggest_replies
>>> model = load_model()
>>> p = model.predict_one("等了两个小时还没送到，气死了！")
>>> p.emotion.label
'anger'
"""

from importlib.metadata import PackageNotFoundError, version

from .batch import ScoreReport, score_csv
from .errors import DataError, EmotionMatrixError, ModelFormatError, NotFittedError, TemplateError
from .evaluate import HeadReport, evaluate
from .mirroring import Templates, load_templates, suggest_replies
from .model import EmotionModel, ModelConfig
from .persist import load_model, save_model
from .result import LabelScore, Prediction, Reply
from .train import TrainingReport, train_from_csv

try:
    __version__ = version("emotion-matrix")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

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
