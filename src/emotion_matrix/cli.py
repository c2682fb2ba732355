"""The ``emotion-matrix`` command: a thin layer that parses, calls the library and formats."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from importlib.metadata import version

from .batch import score_csv
from .csvio import read_labeled_csv
from .errors import EmotionMatrixError
from .evaluate import evaluate
from .mirroring import load_templates, suggest_replies
from .model import ModelConfig
from .persist import load_model
from .train import train_from_csv


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more; got {number}")
    return number


def _labels(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _processes(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes, 1 or more; got {value!r}")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    common.add_argument("-q", "--quiet", action="store_true", help="errors only")
    model_opt = argparse.ArgumentParser(add_help=False)
    model_opt.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")
    csv_opt = argparse.ArgumentParser(add_help=False)
    csv_opt.add_argument("--text-column", default="text", help="column holding the message (default: text)")
    csv_opt.add_argument("--encoding", help="input encoding (default: detected)")
    templates_opt = argparse.ArgumentParser(add_help=False)
    templates_opt.add_argument("--templates", metavar="FILE", help="reply templates JSON (default: packaged)")

    parser = argparse.ArgumentParser(
        prog="emotion-matrix", description="Emotion and need of Chinese customer messages."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('emotion-matrix')}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", parents=[common, model_opt, csv_opt, templates_opt], help="score a CSV file")
    p.add_argument("input", help="CSV file to score (with --engine dask: a file or a glob such as 'exports/*.csv')")
    p.add_argument("-o", "--output", required=True, help="output CSV (UTF-8 with BOM)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--engine", choices=["local", "dask"], default="local", help="local processes or Dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --engine dask)")
    p.add_argument("--chunksize", type=int, default=10_000, help="rows per chunk (default: 10000)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--no-escape", action="store_true", help="do not guard generated text against spreadsheet formulas")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--output-encoding", default="utf-8-sig", help="output encoding (default: utf-8-sig, for Excel)")
    p.add_argument("--output-delimiter", default=",", help="output delimiter (default: ,)")

    p = sub.add_parser("predict", parents=[common, model_opt], help="predict one message")
    p.add_argument("text")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("reply", parents=[common, model_opt, templates_opt], help="suggest mirroring replies")
    p.add_argument("text")
    p.add_argument("-k", type=_positive, default=3, help="number of suggestions (default: 3)")
    p.add_argument("--brief", action="store_true", help="opening and question only")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("train", parents=[common, csv_opt], help="train a model from a labeled CSV")
    p.add_argument("input", help="labeled CSV")
    p.add_argument("-o", "--output", required=True, metavar="MODEL_DIR", help="model folder to write")
    p.add_argument("--label-columns", type=_labels, default=["emotion", "need"], help="heads (default: emotion,need)")
    p.add_argument("--group-column", help="keep rows with the same value on one side of the split")
    p.add_argument("--test-size", type=float, default=0.2, help="held-out share (default: 0.2)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--C", type=float, default=ModelConfig().C, help="regularization (default: %(default)s)")
    p.add_argument(
        "--word-vectors",
        default="default",
        metavar="NPZ",
        help="word vectors: 'default' (shipped), a .npz file with 'words' and 'vectors', or 'none'",
    )
    p.add_argument("--refit", action="store_true", help="refit on all rows after measuring")
    p.add_argument(
        "--jobs",
        type=_processes,
        help="processes that fit the heads (default: one per head, up to the CPUs, for a large set; 1: this process)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("evaluate", parents=[common, csv_opt], help="measure a model on a labeled CSV")
    p.add_argument("model_dir", metavar="MODEL_DIR")
    p.add_argument("input", help="labeled CSV")
    p.add_argument("--label-columns", type=_labels, help="heads to measure (default: all the model has)")
    p.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _score(args: argparse.Namespace) -> None:
    common = {
        "model": load_model(args.model),
        "text_column": args.text_column,
        "encoding": args.encoding,
        "templates": load_templates(args.templates) if args.templates else None,
        "escape": not args.no_escape,
        "force": args.force,
    }
    if args.engine == "dask":
        from .dask import score_files

        rows = score_files(args.input, args.output, scheduler=args.scheduler, **common)
        sys.stdout.write(f"scored {rows} rows with Dask -> {args.output}\n")
        return
    report = score_csv(
        args.input,
        args.output,
        **common,
        chunksize=args.chunksize,
        jobs=args.jobs,
        progress=not (args.no_progress or args.quiet),
        output_encoding=args.output_encoding,
        output_delimiter=args.output_delimiter.replace("\\t", "\t"),
    )
    sys.stderr.write(f"read {args.input} as {report.encoding}\n")
    sys.stdout.write(f"scored {report.rows} rows in {report.seconds:.1f} s -> {report.output}\n")


def _predict(args: argparse.Namespace) -> None:
    p = load_model(args.model).predict_one(args.text)
    if args.json:
        _print_json({**p.to_row(), "distributions": {n: dict(s.distribution) for n, s in p.heads.items()}})
        return
    for name, score in p.heads.items():
        sys.stdout.write(f"{name}: {score.label} ({score.probability:.2f})\n")
    sys.stdout.write(f"keywords: {' | '.join(p.keywords) or '-'}\n")
    if p.uncertain or p.status != "ok":
        sys.stdout.write(f"status: {p.status}{' (uncertain)' if p.uncertain else ''}\n")


def _reply(args: argparse.Namespace) -> None:
    templates = load_templates(args.templates) if args.templates else None
    p = load_model(args.model).predict_one(args.text)
    replies = suggest_replies(p, k=args.k, templates=templates, style="brief" if args.brief else "full")
    if args.json:
        _print_json([r.to_row() for r in replies])
        return
    for i, reply in enumerate(replies, 1):
        sys.stdout.write(f"{i}. {reply.text}\n")


def _train(args: argparse.Namespace) -> None:
    report = train_from_csv(
        args.input,
        args.output,
        config=ModelConfig(
            C=args.C, random_state=args.seed, word_vectors=None if args.word_vectors == "none" else args.word_vectors
        ),
        text_column=args.text_column,
        label_columns=args.label_columns,
        group_column=args.group_column,
        test_size=args.test_size,
        random_state=args.seed,
        refit=args.refit,
        encoding=args.encoding,
        n_jobs=args.jobs,
    )
    if args.json:
        _print_json(report.to_dict())
        return
    sys.stdout.write(f"trained on {report.n_train} rows, held out {report.n_test}; saved to {report.model_dir}\n")
    for head in report.heads:
        sys.stdout.write(f"{head.head}: accuracy {head.accuracy:.3f}  macro-F1 {head.macro_f1:.3f}\n")


def _evaluate(args: argparse.Namespace) -> None:
    model = load_model(args.model_dir)
    columns = args.label_columns or list(model.head_names)
    texts, labels = read_labeled_csv(
        args.input, text_column=args.text_column, label_columns=columns, encoding=args.encoding
    )
    reports = evaluate(model, texts, labels)
    if args.json:
        _print_json({r.head: r.to_dict() for r in reports})
        return
    sys.stdout.write("\n\n".join(r.format() for r in reports) + "\n")


_COMMANDS = {"score": _score, "predict": _predict, "reply": _reply, "train": _train, "evaluate": _evaluate}


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 1 error, 2 usage, 130 interrupted)."""
    args = _parser().parse_args(argv)
    _setup_logging(args)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)  # clean up a half-written output on kill, as on Ctrl-C
    try:
        _COMMANDS[args.command](args)
    except EmotionMatrixError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; no output was written\n")
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
