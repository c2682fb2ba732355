"""Learn the word vectors shipped with the package from the public corpora's unlabeled text.

    pip install -e ".[vectors]"
    python scripts/build_word_vectors.py [--data-dir ../shared/data] [--dims 100]

Every distinct message of the five sources under ../shared/data (JDDC turns, ATEC
questions, takeaway, hotel and shopping reviews; labels play no part) is normalized and
segmented exactly as the model does, and gensim's skip-gram word2vec learns a vector per
word seen at least ``--min-count`` times. One worker thread and a fixed hash make the
result the same on every run. Writes ``src/emotion_matrix/resources/word_vectors.npz``
(``words`` and half-precision ``vectors``), which ``ModelConfig(word_vectors="default")`` reads.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from pathlib import Path

import numpy as np
from corpus import SOURCES, iter_source

from emotion_matrix.normalize import normalize_many
from emotion_matrix.segment import segment_many

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000
logger = logging.getLogger("build_word_vectors")


def stable_hash(text: str) -> int:
    """A hash that does not change between processes (Python's own ``hash`` of a string does)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "little")


def sentences(data_dir: Path) -> list[list[str]]:
    """The words of every distinct non-empty message of the sources, in corpus order."""
    texts = dict.fromkeys(text for name in SOURCES for _, text in iter_source(data_dir, name) if text)
    unique = list(texts)
    out: list[list[str]] = []
    for start in range(0, len(unique), CHUNK):
        segmented = segment_many([t for t in normalize_many(unique[start : start + CHUNK]) if t])
        indptr = segmented.indptr.tolist()
        out += [segmented.words[a:b] for a, b in zip(indptr[:-1], indptr[1:])]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--out", type=Path, default=ROOT / "src/emotion_matrix/resources/word_vectors.npz")
    parser.add_argument("--dims", type=int, default=100)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from gensim.models import Word2Vec

    corpus = sentences(args.data_dir)
    logger.info("%d messages, %d words", len(corpus), sum(map(len, corpus)))
    model = Word2Vec(
        corpus,
        vector_size=args.dims,
        window=5,
        min_count=args.min_count,
        sg=1,
        epochs=args.epochs,
        workers=1,
        seed=0,
        hashfxn=stable_hash,
    )
    words = np.asarray(model.wv.index_to_key, dtype=str)
    np.savez_compressed(args.out, words=words, vectors=model.wv.vectors.astype(np.float16))
    logger.info("wrote %d vectors of %d dimensions to %s", len(words), args.dims, args.out)


if __name__ == "__main__":
    main()
