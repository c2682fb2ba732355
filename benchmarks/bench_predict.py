"""Throughput and latency of the shipped model on real messages, next to jieba and peers.

    python benchmarks/bench_predict.py [--data-dir ../shared/data] [--n 10000] [--peers 1000] [--repeats 5]

Prints the machine, the versions and a table of medians over ``--repeats`` runs, all from
one run:

- ``model.predict`` messages/s on ``--n`` shopping reviews, and a plain ``jieba.lcut`` loop
  over the same texts (the ceiling of a pipeline built on stock jieba), timed in
  alternation, with the median and lowest ratio of the pairs;
- ``model.predict_table`` messages/s (the columns a data frame or CSV file holds);
- ``model.predict``'s CPU time a message and how much of it Python's cyclic garbage
  collector takes, as shipped (paused per chunk) and with the collector running throughout,
  timed in alternation;
- the peers on the first ``--peers`` of those texts: SnowNLP's sentiment and cnsenti's
  ``Sentiment.sentiment_count``, as messages/s and as our speed over theirs;
- parity with the reference path: how many of the texts get the same words, and the same
  ``Prediction``, when stock jieba (HMM off, the same user words) segments them message by message;
- ``predict_one`` latency after warm-up (p50, p99 of 2,000 messages, median over the repeats);
- cold start in a fresh interpreter (import + load default model + first prediction);
- peak resident memory of a fresh process that loads the model and predicts the ``--n``
  texts, and the shipped model's size on disk.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import print_header, shopping_reviews

ROOT = Path(__file__).resolve().parent.parent

COLD = (
    "import time; t=time.perf_counter(); from emotion_matrix import load_model; "
    "m=load_model(); m.predict_one('等了两个小时还没送到，气死了！'); print(time.perf_counter()-t)"
)
SERVING = """
import sys
from emotion_matrix import load_model
texts = open(sys.argv[1], encoding="utf-8").read().split("\\n")
load_model().predict(texts)
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def rate(run: Callable[[], object], n: int, repeats: int) -> float:
    """Median messages/s of ``run`` (which handles ``n`` messages) over ``repeats`` runs."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def in_collector(run: Callable[[], object], n: int, repeats: int) -> dict[str, tuple[float, float]]:
    """CPU time of ``run`` and the part of it in Python's cyclic garbage collector, in µs a message
    (medians): as shipped (the collector paused per chunk) and with it running throughout, timed in alternation."""
    import contextlib
    import gc

    from emotion_matrix import model as model_module

    spent, started = [0.0], [0.0]

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    shipped = model_module.gc_paused
    times: dict[str, list[tuple[float, float]]] = {"paused": [], "running": []}
    gc.callbacks.append(note)
    try:
        for _ in range(repeats):
            for how, pause in (("paused", shipped), ("running", contextlib.nullcontext)):
                model_module.gc_paused = pause
                spent[0] = 0.0
                start = time.process_time()
                run()
                times[how].append(((time.process_time() - start) / n * 1e6, spent[0] / n * 1e6))
    finally:
        model_module.gc_paused = shipped
        gc.callbacks.remove(note)
    return {how: tuple(statistics.median(column) for column in zip(*values)) for how, values in times.items()}


def parity(model, texts: list[str]) -> tuple[int, int]:
    """How many ``texts`` get the same words, and the same predictions, from stock jieba (HMM off, the package's
    user words, one message at a time) as from the shipped segmenter: the reference path it replaces."""
    import jieba

    from emotion_matrix import segment as segment_module
    from emotion_matrix.normalize import normalize_many

    reference = jieba.Tokenizer()
    for word in segment_module.user_words():  # stock jieba works out each word's frequency itself
        reference.add_word(word)

    class Stock:
        """The segmenter's ``cut`` over texts joined with line breaks, done by jieba text by text."""

        def cut(self, joined: str, hmm: bool) -> list[str]:
            tokens = []
            for line in joined.split("\n"):
                tokens += [*reference.lcut(line, HMM=hmm), "\n"]
            return tokens[:-1]

    normalized = normalize_many(texts)
    fast, fast_words = model.predict(texts), segment_module.segment_many(normalized)
    shipped, stock_tokenizer = segment_module._get_tokenizer, Stock()
    segment_module._get_tokenizer = lambda: stock_tokenizer
    try:
        stock, stock_words = model.predict(texts), segment_module.segment_many(normalized)
    finally:
        segment_module._get_tokenizer = shipped
    words = sum(fast_words.of(i) == stock_words.of(i) for i in range(len(texts)))
    return words, sum(a == b for a, b in zip(fast, stock))


def peers(texts: list[str], repeats: int) -> dict[str, float]:
    """Messages/s of the peer libraries that are installed."""
    found = {}
    try:
        from snownlp import SnowNLP

        found["SnowNLP sentiments"] = rate(lambda: [SnowNLP(t).sentiments for t in texts], len(texts), repeats)
    except ImportError:
        pass
    try:
        from cnsenti import Sentiment

        senti = Sentiment()
        found["cnsenti sentiment_count"] = rate(lambda: [senti.sentiment_count(t) for t in texts], len(texts), repeats)
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--peers", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import logging

    logging.getLogger("jieba").setLevel(logging.ERROR)

    from emotion_matrix import load_model
    from emotion_matrix.persist import default_model_path

    texts = shopping_reviews(args.data_dir, args.n)
    model = load_model()
    model.predict(texts[:100])
    table = rate(lambda: model.predict_table(texts), len(texts), args.repeats)
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.lcut("预热")

        # Each repeat times predict and the jieba loop back to back, so that the ratio of a
        # pair is measured under the same load; the medians are taken over the repeats.
        def once(run: Callable[[], object]) -> float:
            return rate(run, len(texts), 1)

        pairs = [
            (once(lambda: model.predict(texts)), once(lambda: [jieba.lcut(t) for t in texts]))
            for _ in range(args.repeats)
        ]
        ours = statistics.median(p for p, _ in pairs)
        rows = [("model.predict, messages/s", f"{ours:,.0f}")]
        rows.append(("jieba.lcut loop, messages/s", f"{statistics.median(j for _, j in pairs):,.0f}"))
        ratios = sorted(p / j for p, j in pairs)
        rows.append(("ratio predict / jieba.lcut (lowest)", f"{statistics.median(ratios):.2f} ({ratios[0]:.2f})"))
        same_words, same_predictions = parity(model, texts)
        rows.append(("same words as stock jieba (HMM off), messages", f"{same_words:,}"))
        rows.append(("same predictions as with stock jieba, messages", f"{same_predictions:,}"))
    except ImportError:
        ours = rate(lambda: model.predict(texts), len(texts), args.repeats)
        rows = [("model.predict, messages/s", f"{ours:,.0f}")]
    rows.append(("model.predict_table, messages/s", f"{table:,.0f}"))
    collector = in_collector(lambda: model.predict(texts), len(texts), args.repeats)
    for how in ("paused", "running"):
        cpu, inside = collector[how]
        rows.append((f"predict, CPU µs a message, collector {how} (in it)", f"{cpu:.1f} ({inside:.1f})"))
    p50s, p99s = [], []
    for _ in range(args.repeats):  # each repeat: 2,000 messages one at a time
        latencies = []
        for text in texts[:2000]:
            start = time.perf_counter()
            model.predict_one(text)
            latencies.append((time.perf_counter() - start) * 1000)
        latencies.sort()
        p50s.append(latencies[len(latencies) // 2])
        p99s.append(latencies[int(len(latencies) * 0.99)])
    rows.append(("predict_one p50, ms", f"{statistics.median(p50s):.3f}"))
    rows.append(("predict_one p99, ms", f"{statistics.median(p99s):.3f}"))
    subset = texts[: args.peers]
    ours_subset = rate(lambda: model.predict(subset), len(subset), args.repeats)
    for name, speed in peers(subset, max(1, args.repeats // 2)).items():
        rows += [(f"{name}, messages/s", f"{speed:,.0f}"), (f"ratio predict / {name}", f"{ours_subset / speed:,.0f}")]

    colds = [float(subprocess.check_output([sys.executable, "-c", COLD], text=True)) for _ in range(args.repeats)]
    rows.append(("cold start (import+load+predict), s", f"{statistics.median(colds):.2f}"))
    text_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_predict_{os.getpid()}.txt"
    text_file.write_text("\n".join(texts), encoding="utf-8")
    try:
        peak = int(subprocess.check_output([sys.executable, "-c", SERVING, str(text_file)], text=True)) / 1024
    finally:
        text_file.unlink()
    rows.append((f"peak RSS, load + predict {len(texts):,}, MB", f"{peak:,.0f}"))
    size = sum(p.stat().st_size for p in default_model_path().iterdir()) / 1e6
    rows.append(("shipped model on disk, MB", f"{size:.1f}"))

    print_header(("jieba", "snownlp", "cnsenti"))
    print(f"texts: {len(texts)} shopping reviews, mean {statistics.mean(map(len, texts)):.0f} characters")
    print()
    print(f"{'measure (median)':<52}{'value':>12}")
    for name, value in rows:
        print(f"{name:<52}{value:>12}")


if __name__ == "__main__":
    main()
