"""Save and load model folders: ``model.npz`` (the fitted arrays) plus ``meta.json``.

A fitted model is numbers and strings only, so it is stored as a numpy ``.npz`` archive
and read with ``allow_pickle=False``: reading can build arrays of numbers and text and
nothing else, so no code in a model file can run. Before that, the file is checked
against the SHA-256 recorded in ``meta.json``; after it, every array's type and shape is
checked against the metadata. Anything else is refused with ``ModelFormatError``.
Loading needs numpy only, which keeps a scoring service's start-up short.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from dataclasses import fields
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from .errors import ModelFormatError
from .features import FeatureSpace
from .heads import Head
from .model import OLDER_MODELS, EmotionModel, ModelConfig

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
MODEL_FILE = "model.npz"
META_FILE = "meta.json"


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
    space = model.features_
    arrays = {
        "vocabulary": np.asarray(space.vocabulary, dtype=str),
        "word_idf": space.word_idf,
        "char_buckets": space.char_buckets,
        "char_idf": space.char_idf,
        "keyword_lexicon": np.asarray(model.keyword_lexicon_, dtype=str),
        "vector_words": np.asarray(space.vector_words, dtype=str),
        "vectors": space.vectors.astype(np.float16),  # exact: word vectors are kept at half precision
    }
    for k, head in enumerate(model.heads_.values()):
        arrays[f"coef_{k}"] = head.coef
        arrays[f"intercept_{k}"] = head.intercept
    # Both files are written in full next to their targets, then renamed: an interrupted save
    # leaves the previous model in place.
    tmp_model = directory / f".{MODEL_FILE}.tmp"
    tmp_meta = directory / f".{META_FILE}.tmp"
    try:
        with tmp_model.open("wb") as handle:
            np.savez_compressed(handle, **arrays)
        meta = {
            "format_version": FORMAT_VERSION,
            "versions": {p: _version(p) for p in ("emotion-matrix", "numpy", "scikit-learn", "rjieba", "opencc")},
            "config": model._config().to_dict(),
            "heads": {name: list(head.classes) for name, head in model.heads_.items()},
            "temperatures": {name: head.temperature for name, head in model.heads_.items()},
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
        unknown, or it holds anything but arrays of numbers and text that fit its metadata.
    """
    directory = Path(directory) if directory is not None else default_model_path()
    meta = read_meta(directory)
    model_path = directory / MODEL_FILE
    if file_sha256(model_path) != meta.get("model_sha256"):
        raise ModelFormatError(
            f"{model_path} does not match the SHA-256 in {META_FILE}: the file was changed or truncated. "
            "Restore it or re-train the model"
        )
    known = {f.name for f in fields(ModelConfig)}
    unknown = sorted(set(meta.get("config", {})) - known)
    if unknown:
        raise ModelFormatError(f"{META_FILE} has config fields this version does not know: {unknown}")
    try:
        config = ModelConfig(**{**OLDER_MODELS, **meta.get("config", {})})
        config.validate()
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(f"{META_FILE} has a bad config ({exc}); re-train the model") from exc
    try:
        with np.load(model_path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ModelFormatError(
            f"{model_path} is not a model archive of numbers and text ({exc}); it was not loaded. Re-train the model"
        ) from exc
    model = EmotionModel(config)
    model.__dict__.update(_fitted_state(arrays, meta, config, model_path))
    return model


def _fitted_state(arrays: dict[str, np.ndarray], meta: dict, config: ModelConfig, path: Path) -> dict:
    """The model's fitted attributes, after checking every array against ``meta``."""

    def get(name: str, kind: str, shape: tuple | None = None) -> np.ndarray:
        array = arrays.get(name)
        if array is None or array.dtype.kind not in kind or array.shape != (shape or array.shape[:1]):
            found = "missing" if array is None else f"{array.dtype} {array.shape}"
            expected = shape or "one dimension"
            raise ModelFormatError(f"{path}: array {name!r} is {found}, expected {expected}; re-train the model")
        return array

    try:
        n_words = len(arrays["vocabulary"])
        n_buckets = len(arrays["char_buckets"])
        n_vectors = len(arrays.get("vector_words", ()))
        n_dims = arrays["vectors"].shape[-1] if n_vectors and arrays["vectors"].ndim else 0
        heads = {
            str(name): (list(classes), float(meta["temperatures"][name])) for name, classes in meta["heads"].items()
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{path} or its {META_FILE} lacks a part of the model ({exc}); re-train it") from exc
    buckets = get("char_buckets", "iu", (n_buckets,)).astype(np.int64)
    if n_buckets and (buckets.min() < 0 or buckets.max() >= 2**config.char_bits or np.any(np.diff(buckets) <= 0)):
        raise ModelFormatError(f"{path}: character buckets do not fit char_bits={config.char_bits}; re-train the model")
    space = FeatureSpace(
        vocabulary=tuple(get("vocabulary", "U", (n_words,)).tolist()),
        word_idf=get("word_idf", "f", (n_words,)).astype(np.float32),
        char_buckets=buckets,
        char_idf=get("char_idf", "f", (n_buckets,)).astype(np.float32),
        char_ngram_max=config.char_ngram_max,
        char_bits=config.char_bits,
        # Models saved before word vectors existed have none.
        vector_words=tuple(get("vector_words", "U", (n_vectors,)).tolist()) if n_vectors else (),
        vectors=get("vectors", "f", (n_vectors, n_dims)).astype(np.float32) if n_vectors else np.zeros((0, 0)),
        vector_weight=config.vector_weight if n_vectors else 0.0,
        negation=config.negation,
    )
    state = {
        "features_": space,
        "keyword_lexicon_": tuple(get("keyword_lexicon", "U").tolist()),
        "n_train_": int(meta.get("n_train", 0)),
        "heads_": {},
        "_scorer": None,
    }
    for k, (name, (classes, temperature)) in enumerate(heads.items()):
        coef = get(f"coef_{k}", "f", (n_words + n_buckets + n_dims, len(classes))).astype(np.float32)
        intercept = get(f"intercept_{k}", "f", (len(classes),)).astype(np.float64)
        state["heads_"][name] = Head(tuple(str(c) for c in classes), coef, intercept, temperature)
    return state
