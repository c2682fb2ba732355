"""Batch scoring of large CSV files: rows/s and peak memory, local processes and Dask workers.

    python benchmarks/bench_score_csv.py [--data-dir ../shared/data] [--rows 250000] [--growth 4] [--repeats 3] [--dask]

Builds a CSV of ``--rows`` rows (and one ``--growth`` times larger) by repeating the review
and customer-service corpora, then runs ``emotion-matrix score`` as a user would,
``--repeats`` times per setting, and prints the median rows/s and the peak resident memory
of the largest process. With ``--dask`` it also scores the smaller file on a local Dask
cluster with 1 and 2 workers. Before and after, a plain ``jieba.lcut`` loop shows how fast
this machine is at the moment (its speed drifts).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import jieba_rate, print_header

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


def build_csv(data_dir: Path, path: Path, rows: int) -> None:
    from corpus import SOURCES, iter_source

    texts = [t for name in SOURCES for _, t in iter_source(data_dir, name) if t]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "channel", "text"])
        for i in range(rows):
            writer.writerow([i, ("app", "web", "phone")[i % 3], texts[i % len(texts)]])


MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of the largest process the command started (measured in a fresh parent)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(out.stdout.split()[-1]) / 1024


DASK_RUN = """
import sys, time
from distributed import Client, LocalCluster
from emotion_matrix import load_model
from emotion_matrix.dask import score_files
workers = int(sys.argv[3])
with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
    model = load_model()
    start = time.perf_counter()
    rows = score_files(sys.argv[1], sys.argv[2], model=model, force=True, blocksize="1MB")
    print(rows / (time.perf_counter() - start))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--growth", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dask", action="store_true")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "emotion_matrix", "score"]
    print_header(("distributed",) if args.dask else ())
    print(f"machine speed before: plain jieba.lcut loop {jieba_rate(args.data_dir)}")
    print(f"\n{'input rows':>12}{'jobs':>6}{'rows/s':>10}{'peak RSS MB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rows in (args.rows, args.rows * args.growth):
            source = tmp / f"in_{rows}.csv"
            build_csv(args.data_dir, source, rows)
            for jobs in (1, 2):
                output = ["-o", str(tmp / "out.csv"), "--force", "--no-progress"]
                command = [*cli, str(source), *output, "--jobs", str(jobs)]
                runs = [run(command) for _ in range(args.repeats)]
                speed = statistics.median(rows / seconds for seconds, _ in runs)
                print(f"{rows:>12,}{jobs:>6}{speed:>10,.0f}{max(peak for _, peak in runs):>13,.0f}", flush=True)
        if args.dask:
            print(f"\n{'dask workers':>12}{'rows/s':>10}   (input {args.rows:,} rows, model load excluded)")
            source = tmp / f"in_{args.rows}.csv"
            for workers in (1, 2):
                command = [sys.executable, "-c", DASK_RUN, str(source), str(tmp / "dask.csv"), str(workers)]
                speeds = [
                    float(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])
                    for _ in range(args.repeats)
                ]
                print(f"{workers:>12}{statistics.median(speeds):>10,.0f}", flush=True)
    print(f"\nmachine speed after: plain jieba.lcut loop {jieba_rate(args.data_dir)}")


if __name__ == "__main__":
    main()
