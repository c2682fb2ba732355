"""Training time on a large labeled set.

    python benchmarks/bench_train.py [--data-dir ../shared/data] [--rows 60000] [--repeats 3]

Takes ``--rows`` distinct real messages spread over the five corpora and labels them with
the shipped model (weak labels: this measures time, not quality), then times
``EmotionModel().fit`` in a fresh process each: with the default settings (two heads,
calibration on, the heads fitted in parallel processes), with the heads fitted one after
the other in one process (``n_jobs=1``), and with calibration off. Prints medians and the
peak memory of the fitting process and of its largest worker; before and after, a plain
``jieba.lcut`` loop shows how fast this machine is at the moment (its speed drifts).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from common import jieba_rate, print_header

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

FIT = """
import resource, sys, time
import pandas as pd
from joblib.externals.loky import get_reusable_executor
from emotion_matrix import EmotionModel, ModelConfig
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
jobs = None if sys.argv[3] == "default" else int(sys.argv[3])
start = time.perf_counter()
EmotionModel(ModelConfig(calibrate=sys.argv[2] == "on")).fit(frame["text"], frame[["emotion", "need"]], n_jobs=jobs)
seconds = time.perf_counter() - start
if jobs != 1:
    get_reusable_executor().shutdown(wait=True)  # ended workers count in RUSAGE_CHILDREN
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(seconds, peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def labeled_rows(data_dir: Path, rows: int) -> pd.DataFrame:
    from corpus import SOURCES, iter_source

    from emotion_matrix import load_model

    texts = list(dict.fromkeys(t for name in SOURCES for _, t in iter_source(data_dir, name) if t and t.strip()))
    step = max(1, len(texts) // rows)
    texts = texts[::step][:rows]
    model = load_model()
    predictions = model.predict(texts)
    return pd.DataFrame(
        {"text": texts, "emotion": [p.emotion.label for p in predictions], "need": [p.need.label for p in predictions]}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frame = labeled_rows(args.data_dir, args.rows)
    print_header(("scikit-learn",))
    print(f"rows: {len(frame):,} messages, mean {frame['text'].str.len().mean():.0f} characters, weak labels")
    print(f"machine speed before: plain jieba.lcut loop {jieba_rate(args.data_dir)}")
    print(f"\n{'calibration':<13}{'n_jobs':<9}{'fit seconds (median)':>22}{'peak RSS MB (fit / worker)':>28}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labeled.csv"
        frame.to_csv(path, index=False)
        for calibrate, jobs in (("on", "default"), ("on", "1"), ("off", "default")):
            runs = [
                subprocess.run(
                    [sys.executable, "-c", FIT, str(path), calibrate, jobs], check=True, capture_output=True, text=True
                ).stdout.split()
                for _ in range(args.repeats)
            ]
            seconds = statistics.median(float(r[0]) for r in runs)
            peak, worker = (max(int(r[k]) for r in runs) / 1024 for k in (1, 2))
            memory = f"{peak:,.0f} / {worker:,.0f}" if worker else f"{peak:,.0f}"
            print(f"{calibrate:<13}{jobs:<9}{seconds:>22.1f}{memory:>28}", flush=True)
    print(f"\nmachine speed after: plain jieba.lcut loop {jieba_rate(args.data_dir)}")


if __name__ == "__main__":
    main()
