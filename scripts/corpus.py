"""Read the public corpora under ../shared/data by row id (see ../shared/data/README.md).

Row ids: ``<file-stem>:<row>`` over data rows; ``:q1``/``:q2`` for the two ATEC question
columns; ``<file name>:<line>:<turn>`` for the comma-separated turns of a JDDC line.
Texts are cleaned the same way everywhere: the BOM character is dropped and runs of white
space become one space.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

# The last batch of each labeling draw in data/labels.csv but the latest one (data/README.md).
DRAW_LAST_BATCHES = ("batch_07", "batch_15", "batch_23", "batch_31", "batch_39", "batch_47")
SOURCES = {
    "jddc": ("cs/jddc/train.enc", "cs/jddc/test.enc"),
    "atec": ("cs/atec/atec_nlp_sim_train.csv",),
    "waimai": ("reviews/waimai_10k.csv",),
    "hotel": ("reviews/ChnSentiCorp_htl_all.csv",),
    "shopping": ("reviews/online_shopping_10_cats.csv",),
}


def draw_of(batch: str) -> int:
    """The labeling draw (1, 2, ...) a batch of data/labels.csv belongs to."""
    number = int(batch.rsplit("_", 1)[1])
    return 1 + sum(number > int(last.rsplit("_", 1)[1]) for last in DRAW_LAST_BATCHES)


def clean(text: str) -> str:
    return " ".join(text.replace("\ufeff", "").split())


def source_of(row_id: str) -> str:
    prefix = row_id.split(":", 1)[0]
    for name, files in SOURCES.items():
        if any(Path(f).name == prefix or Path(f).stem == prefix for f in files):
            return name
    return "written"


def group_of(row_id: str) -> str:
    """Rows of one conversation (a JDDC line, an ATEC pair) share a group."""
    return ":".join(row_id.split(":")[:2])


def jddc_turns(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            for j, turn in enumerate(line.rstrip("\n").split(",")):
                yield f"{path.name}:{i}:{j}", clean(turn)


def atec_questions(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for i, fields in enumerate(csv.reader(handle, delimiter="\t")):
            yield f"{path.stem}:{i}:q1", clean(fields[1])
            yield f"{path.stem}:{i}:q2", clean(fields[2])


def reviews(path: Path, skip_category: str | None = None) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for i, record in enumerate(csv.DictReader(handle)):
            if skip_category is None or record.get("cat") != skip_category:
                yield f"{path.stem}:{i}", clean(record["review"])


def iter_source(data_dir: Path, name: str) -> Iterator[tuple[str, str]]:
    for relative in SOURCES[name]:
        path = data_dir / relative
        if name == "jddc":
            yield from jddc_turns(path)
        elif name == "atec":
            yield from atec_questions(path)
        else:
            yield from reviews(path, skip_category="酒店" if name == "shopping" else None)


def texts_by_id(data_dir: Path, ids: set[str]) -> dict[str, str]:
    """The text of every id in ``ids``; raises KeyError naming the ids not found."""
    found: dict[str, str] = {}
    for name in SOURCES:
        for row_id, text in iter_source(data_dir, name):
            if row_id in ids:
                found[row_id] = text
    missing = ids - set(found)
    if missing:
        raise KeyError(f"{len(missing)} ids not found in {data_dir}, e.g. {sorted(missing)[:3]}")
    return found
