"""Every benchmark, one after another, each printing its own table.

    python benchmarks/run_all.py [--data-dir ../shared/data]

Runs ``bench_predict.py``, ``bench_score_csv.py --dask`` and ``bench_train.py`` with their
default settings (about 20 minutes on a 2-core machine). Run on a quiet machine: other
work on the same cores changes every figure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (("bench_predict.py",), ("bench_score_csv.py", "--dask"), ("bench_train.py",))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="the public corpora (default: ../shared/data from the project root)")
    args = parser.parse_args()
    data = ["--data-dir", args.data_dir] if args.data_dir else []
    for script, *options in SCRIPTS:
        print(f"\n## {script}\n", flush=True)
        command = [sys.executable, f"benchmarks/{script}", *options, *data]
        subprocess.run(command, check=True, cwd=HERE.parent)


if __name__ == "__main__":
    main()
