"""The one error hierarchy of emotion_matrix.

Every error the library raises on purpose derives from :class:`EmotionMatrixError`
and from the built-in error it refines, so callers can catch either.
"""


class EmotionMatrixError(Exception):
    """Base class of every error raised by emotion_matrix."""


class DataError(EmotionMatrixError, ValueError):
    """Input data (a CSV file, texts, labels) cannot be used as given."""


class NotFittedError(EmotionMatrixError, ValueError, AttributeError):
    """A model was used before ``fit`` or ``load_model``."""


class ModelFormatError(EmotionMatrixError, ValueError):
    """A model folder is missing, damaged, of an unknown format or unsafe to load."""


class TemplateError(EmotionMatrixError, ValueError):
    """A reply template file is malformed."""
