"""Training time on a large labeled set.

    python benchmarks/bench_train.py [--data-dir ../shared/data] [--rows 60000] [--repeats 3]

Takes ``--rows`` distinct real messages spread over the five corpora and labels them with
the shipped model (weak labels: this measures time, not quality), then times
``EmotionModel().fit`` with the default settings (two heads, calibration on) and with
calibration off, in a fresh process each, and prints medians and peak memory.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from common import print_header

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

FIT = """
import sys, time
import pandas as pd
from emotion_matrix import EmotionModel, ModelConfig
frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
start = time.perf_counter()
EmotionModel(ModelConfig(calibrate=sys.argv[2] == "on")).fit(frame["text"], frame[["emotion", "need"]])
seconds = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(seconds, peak)
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
    print(f"\n{'calibration':<14}{'fit seconds (median)':>22}{'peak RSS MB':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "labeled.csv"
        frame.to_csv(path, index=False)
        for calibrate in ("on", "off"):
            runs = [
                subprocess.run(
                    [sys.executable, "-c", FIT, str(path), calibrate], check=True, capture_output=True, text=True
                ).stdout.split()
                for _ in range(args.repeats)
            ]
            seconds = statistics.median(float(r[0]) for r in runs)
            peak = max(int(r[1]) for r in runs) / 1024
            print(f"{calibrate:<14}{seconds:>22.1f}{peak:>13,.0f}", flush=True)


if __name__ == "__main__":
    main()
