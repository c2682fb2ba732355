"""Throughput and latency of the shipped model on real messages.

    python benchmarks/bench_predict.py [--data-dir ../shared/data] [--n 10000] [--repeats 5]

Prints the machine, the versions and a table of medians over ``--repeats`` runs:
``model.predict`` messages/s on ``--n`` shopping reviews, a plain ``jieba.lcut`` loop over
the same texts (the ceiling of a pipeline built on stock jieba) and their ratio,
``predict_one`` latency after warm-up (p50, p99), cold start in a fresh interpreter
(import + load default model + first prediction), model size on disk and resident memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLD = (
    "import time; t=time.perf_counter(); from emotion_matrix import load_model; "
    "m=load_model(); m.predict_one('等了两个小时还没送到，气死了！'); print(time.perf_counter()-t)"
)


def shopping_reviews(data_dir: Path, n: int) -> list[str]:
    with (data_dir / "reviews/online_shopping_10_cats.csv").open(encoding="utf-8") as handle:
        texts = [row["review"] for row in csv.DictReader(handle)]
    return (texts * (n // len(texts) + 1))[:n]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from emotion_matrix import load_model
    from emotion_matrix.persist import default_model_path

    texts = shopping_reviews(args.data_dir, args.n)
    model = load_model()
    model.predict(texts[:100])

    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - start))

    jieba_rates = []
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.lcut("预热")
        for _ in range(args.repeats):
            start = time.perf_counter()
            for text in texts:
                jieba.lcut(text)
            jieba_rates.append(len(texts) / (time.perf_counter() - start))
    except ImportError:
        pass

    latencies = []
    sample = texts[:2000]
    for text in sample:
        start = time.perf_counter()
        model.predict_one(text)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()

    colds = [float(subprocess.check_output([sys.executable, "-c", COLD], text=True)) for _ in range(3)]
    size = sum(p.stat().st_size for p in default_model_path().iterdir()) / 1e6

    print(f"command: python benchmarks/bench_predict.py --n {args.n} --repeats {args.repeats}")
    print(f"machine: {machine()}")
    print(
        f"versions: emotion-matrix {version('emotion-matrix')}, scikit-learn {version('scikit-learn')}, "
        f"rjieba {version('rjieba')}, numpy {version('numpy')}"
    )
    print(f"texts: {len(texts)} shopping reviews, mean {statistics.mean(map(len, texts)):.0f} characters")
    print()
    print(f"{'measure':<44}{'median':>14}")
    print(f"{'model.predict, messages/s':<44}{statistics.median(rates):>14,.0f}")
    if jieba_rates:
        print(f"{'jieba.lcut loop, messages/s':<44}{statistics.median(jieba_rates):>14,.0f}")
        ratio = statistics.median(rates) / statistics.median(jieba_rates)
        print(f"{'ratio predict / jieba.lcut':<44}{ratio:>14.2f}")
    print(f"{'predict_one p50, ms':<44}{latencies[len(latencies) // 2]:>14.3f}")
    print(f"{'predict_one p99, ms':<44}{latencies[int(len(latencies) * 0.99)]:>14.3f}")
    print(f"{'cold start (import+load+predict), s':<44}{statistics.median(colds):>14.2f}")
    print(f"{'shipped model on disk, MB':<44}{size:>14.1f}")
    print(f"{'resident memory after the runs, MB':<44}{rss_mb():>14.0f}")


if __name__ == "__main__":
    main()
