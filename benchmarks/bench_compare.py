"""Scoring speed of this checkout against another commit, timed in alternation.

    python benchmarks/bench_compare.py [--ref HEAD~1] [--data-dir ../shared/data] [--n 10000] [--one 1000] [--rounds 7]

The package source at ``--ref`` is copied (``git archive``) into a temporary folder. Round
after round, in alternating order, a fresh interpreter is started on each source tree; it
loads that tree's shipped model and times ``model.predict`` on ``--n`` shopping reviews and
``predict_one`` on the first ``--one`` of them, one at a time, three times each, keeping the
best (other work on the machine only ever slows a run down). The table gives each tree's
medians over the rounds and the median of the rounds' ratios (the two trees of a round run
back to back, so a ratio is measured under the same load; on a machine whose speed drifts,
the ratios say more than the rates). The number of Python function calls a
``predict_one`` makes (counted by cProfile over 200 messages) does not depend on the
machine's speed. It ends by saying whether both trees gave identical predictions: the same
digest of every ``Prediction``, probabilities included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from common import print_header, shopping_reviews

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import cProfile, hashlib, json, pstats, statistics, sys, time
import emotion_matrix
from emotion_matrix import load_model
texts = open(sys.argv[1], encoding="utf-8").read().split("\\n")
one = int(sys.argv[2])
model = load_model()
model.predict(texts[:200])
walls, cpus, p50s, one_cpus = [], [], [], []
for _ in range(3):  # the best of three: other work on the machine only ever slows a run down
    start, cpu = time.perf_counter(), time.process_time()
    predictions = model.predict(texts)
    walls.append(time.perf_counter() - start)
    cpus.append(time.process_time() - cpu)
    latencies, cpu = [], time.process_time()
    for text in texts[:one]:
        begin = time.perf_counter()
        model.predict_one(text)
        latencies.append(time.perf_counter() - begin)
    one_cpus.append(time.process_time() - cpu)
    p50s.append(statistics.median(latencies))
profile = cProfile.Profile()  # function calls: a count that the machine's speed does not change
profile.runcall(lambda: [model.predict_one(text) for text in texts[:200]])
calls = pstats.Stats(profile).total_calls / len(texts[:200])
print(json.dumps({
    "package": emotion_matrix.__file__,
    "predict": len(texts) / min(walls),
    "predict_cpu": min(cpus) / len(texts) * 1e6,
    "p50": min(p50s) * 1e3,
    "one_cpu": min(one_cpus) / one * 1e6,
    "calls": calls,
    "digest": hashlib.sha256(repr(predictions).encode()).hexdigest(),
}))
"""

MEASURES = (
    ("predict", "model.predict, messages/s", "{:,.0f}"),
    ("predict_cpu", "model.predict, CPU µs a message", "{:.1f}"),
    ("p50", "predict_one p50, ms", "{:.3f}"),
    ("one_cpu", "predict_one, CPU µs a call", "{:.1f}"),
    ("calls", "predict_one, Python function calls", "{:.0f}"),
)


def source_at(ref: str, into: Path) -> Path:
    """The ``src`` folder of commit ``ref``, unpacked under ``into``."""
    archive = into / "source.tar"
    command = ["git", "archive", "--format=tar", "-o", str(archive), ref, "src"]
    if subprocess.run(command, cwd=ROOT).returncode:
        raise SystemExit(f"cannot read the source of {ref!r}; pass a commit of this repository")
    with tarfile.open(archive) as tar:
        # The safe extraction filter where this Python has it (3.12, and patch releases of 3.10 and 3.11).
        tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return into / "src"


def measure(source: Path, text_file: Path, one: int) -> dict:
    """One fresh interpreter's figures, with ``source`` first on its path."""
    # A fixed hash seed: the same dict and set layouts in every interpreter, one source of variance less.
    path = os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": path}
    command = [sys.executable, "-c", CHILD, str(text_file), str(one)]
    run = subprocess.run(command, env=env, cwd=text_file.parent, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"scoring with the package under {source} failed:\n{run.stderr[-2000:]}")
    result = json.loads(run.stdout)
    if not Path(result["package"]).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"the child imported {result['package']}, not the package under {source}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="HEAD~1", help="the commit to compare with (default: HEAD~1)")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--one", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    texts = shopping_reviews(args.data_dir, args.n)
    with tempfile.TemporaryDirectory() as folder:
        text_file = Path(folder) / "texts.txt"
        text_file.write_text("\n".join(texts), encoding="utf-8")
        trees = {"this checkout": ROOT / "src", args.ref: source_at(args.ref, Path(folder))}
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for name in order:
                runs[name].append(measure(trees[name], text_file, min(args.one, len(texts))))
    ours, theirs = runs["this checkout"], runs[args.ref]
    print_header()
    print(f"texts: {len(texts)} shopping reviews; {args.rounds} rounds; compared with {args.ref}")
    print()
    print(f"{'measure (median)':<36}{'this checkout':>16}{args.ref:>16}{'ratio':>10}")
    for key, label, shape in MEASURES:
        # The ratio says how many times better this checkout is: rates higher, times lower.
        pairs = [(a[key], b[key]) for a, b in zip(ours, theirs)]
        ratio = statistics.median(a / b if key == "predict" else b / a for a, b in pairs)
        mine, other = (statistics.median(column) for column in zip(*pairs))
        print(f"{label:<36}{shape.format(mine):>16}{shape.format(other):>16}{ratio:>9.3f}x")
    same = {run["digest"] for run in ours + theirs}
    print(f"\npredictions identical in every run: {'yes' if len(same) == 1 else 'no'}")


if __name__ == "__main__":
    main()
