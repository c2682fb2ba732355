"""What every benchmark prints first: the command, the machine and the versions; and the texts they share."""

from __future__ import annotations

import csv
import os
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

CORE = ("emotion-matrix", "numpy", "scipy", "pandas", "rjieba", "opencc", "ahocorasick-rs")


def machine() -> str:
    """CPU model, core count, Python and OS."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def versions(names: tuple[str, ...] = CORE) -> str:
    """``name version`` of each distribution, ``absent`` when it is not installed."""

    def one(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return ", ".join(f"{name} {one(name)}" for name in names)


def print_header(extra: tuple[str, ...] = ()) -> None:
    """Print the command line as run, the machine and the versions of the core packages plus ``extra``."""
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {machine()}")
    print(f"versions: {versions(CORE + extra)}")


def shopping_reviews(data_dir: Path, n: int) -> list[str]:
    """``n`` reviews spread evenly over the whole file (it is sorted by product category)."""
    with (data_dir / "reviews/online_shopping_10_cats.csv").open(encoding="utf-8") as handle:
        texts = [row["review"].replace("\n", " ") for row in csv.DictReader(handle) if row["review"]]
    return [texts[i * len(texts) // n] for i in range(n)] if n <= len(texts) else (texts * (n // len(texts) + 1))[:n]


def jieba_rate(data_dir: Path, n: int = 2_000) -> str:
    """How fast this machine is right now: a plain ``jieba.lcut`` loop over ``n`` shopping reviews, in messages/s.

    Its speed drifts within the hour; printed before and after a benchmark, it says at
    what moment the benchmark's absolute rates were measured.
    """
    try:
        import jieba
    except ImportError:
        return "jieba not installed"
    jieba.setLogLevel(60)
    texts = shopping_reviews(data_dir, n)
    jieba.lcut("预热")
    start = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return f"{n / (time.perf_counter() - start):,.0f} messages/s"
