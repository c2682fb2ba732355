"""Save and load model folders: ``model.skops`` (features and heads) plus ``meta.json``.

Loading is safe by default: the model file is checked against the SHA-256 recorded in
``meta.json`` and then read by skops, which builds only the types on an explicit
allow-list and never unpickles. Anything else is refused with ``ModelFormatError``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
import zipfile
from dataclasses import fields
from importlib import metadata, resources
from pathlib import Path

import skops.io as sio

from .errors import ModelFormatError
from .model import EmotionModel, ModelConfig

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MODEL_FILE = "model.skops"
META_FILE = "meta.json"

# Every type a model file may contain beyond what skops trusts by default.
ALLOWED_TYPES: tuple[str, ...] = ("scipy.sparse._csr.csr_matrix",)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_model_path() -> Path:
    """The folder of the default model shipped inside the package."""
    return Path(str(resources.files("emotion_matrix").joinpath("resources/default_model")))


def save_model(model: EmotionModel, directory: str | os.PathLike, *, extra: dict | None = None) -> Path:
    """Write a fitted model to ``directory`` (created if needed).

    Parameters
    ----------
    model : EmotionModel
        A fitted model.
    directory : path
        Target folder; an existing model there is replaced.
    extra : dict, optional
        More facts for ``meta.json`` (training data hash, metrics, ...).

    Returns
    -------
    Path
        The folder.
    """
    names = model.head_names  # raises NotFittedError when unfitted
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "word": model.word_vectorizer_,
        "char": model.char_vectorizer_,
        "heads": model.heads_,
        "keywords": list(model.keyword_lexicon_),
        "temperatures": dict(model.temperatures_),
    }
    # Both files are written in full next to their targets, then renamed: an interrupted save
    # leaves the previous model in place.
    tmp_model = directory / f".{MODEL_FILE}.tmp"
    tmp_meta = directory / f".{META_FILE}.tmp"
    try:
        sio.dump(payload, tmp_model, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        meta = {
            "format_version": FORMAT_VERSION,
            "versions": {p: _version(p) for p in ("emotion-matrix", "scikit-learn", "skops", "rjieba", "numpy")},
            "config": model._config().to_dict(),
            "heads": {name: [str(c) for c in model.heads_[name].classes_] for name in names},
            "n_train": model.n_train_,
            "model_sha256": file_sha256(tmp_model),
            **(extra or {}),
        }
        tmp_meta.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp_model, directory / MODEL_FILE)
        os.replace(tmp_meta, directory / META_FILE)
    finally:
        tmp_model.unlink(missing_ok=True)
        tmp_meta.unlink(missing_ok=True)
    logger.info("saved model with heads %s to %s", list(names), directory)
    return directory


def read_meta(directory: str | os.PathLike) -> dict:
    """Read and check ``meta.json`` of a model folder."""
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not (meta_path.is_file() and (directory / MODEL_FILE).is_file()):
        raise ModelFormatError(
            f"{directory} is not an emotion_matrix model folder: it needs {META_FILE} and {MODEL_FILE}. "
            "Pass the folder written by `emotion-matrix train` or save_model()"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{meta_path} is not valid JSON ({exc}); re-save the model") from exc
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        found = meta.get("format_version") if isinstance(meta, dict) else None
        raise ModelFormatError(
            f"{meta_path} has format_version {found!r}; this emotion_matrix reads version {FORMAT_VERSION}. "
            "Upgrade emotion-matrix or re-train the model"
        )
    return meta


def load_model(directory: str | os.PathLike | None = None) -> EmotionModel:
    """Load a model folder; with no argument, the shipped default model.

    Parameters
    ----------
    directory : path, optional
        A folder written by :func:`save_model`.

    Returns
    -------
    EmotionModel

    Raises
    ------
    ModelFormatError
        The folder is not a model, the file was changed or truncated, its format is
        unknown, or it holds types outside the allow-list.
    """
    directory = Path(directory) if directory is not None else default_model_path()
    meta = read_meta(directory)
    model_path = directory / MODEL_FILE
    if file_sha256(model_path) != meta.get("model_sha256"):
        raise ModelFormatError(
            f"{model_path} does not match the SHA-256 in {META_FILE}: the file was changed or truncated. "
            "Restore it or re-train the model"
        )
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelFormatError(f"{model_path} is not a skops model file ({exc}); re-train the model") from exc
    refused = sorted(set(untrusted) - set(ALLOWED_TYPES))
    if refused:
        raise ModelFormatError(f"{model_path} contains types that are not allowed: {refused}; it was not loaded")
    payload = sio.load(model_path, trusted=list(ALLOWED_TYPES))
    known = {f.name for f in fields(ModelConfig)}
    unknown = sorted(set(meta.get("config", {})) - known)
    if unknown:
        raise ModelFormatError(f"{META_FILE} has config fields this version does not know: {unknown}")
    wrote = meta.get("versions", {}).get("scikit-learn")
    if wrote and wrote != _version("scikit-learn"):
        warnings.warn(
            f"model saved with scikit-learn {wrote}, running {_version('scikit-learn')}; "
            "predictions may differ slightly. Re-train or save the model again to silence this",
            UserWarning,
            stacklevel=2,
        )
    model = EmotionModel(ModelConfig(**meta.get("config", {})))
    model.word_vectorizer_ = payload["word"]
    model.char_vectorizer_ = payload["char"]
    model.heads_ = dict(payload["heads"])
    model.keyword_lexicon_ = tuple(payload["keywords"])
    model.temperatures_ = {str(k): float(v) for k, v in payload["temperatures"].items()}
    model.n_train_ = int(meta.get("n_train", 0))
    model._keyword_weights = model._lexicon_cache = model._coef_cache = None
    return model
