"""Draw the messages that were read and labeled for data/labels.csv.

Reads the public corpora under ../shared/data (or --data-dir), writes labeling
batches as TSV files (id, text) to --out.  Half of each source's sample is drawn
at random, half from messages that mention a rarer topic (food safety, staff
attitude, payment security, puzzlement), so the rare emotions and needs get
enough examples.  The keyword list only chooses what a person reads; it never
sets a label.

Row ids follow ../shared/data/README.md: ``<file-stem>:<row>`` over data rows,
with ``:q1``/``:q2`` for ATEC question columns and ``:<turn>`` for the
comma-separated turns of a JDDC line.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

from corpus import iter_source

RARE_TOPICS = re.compile(
    "头发|虫|苍蝇|异物|变质|发霉|拉肚子|吃坏|过敏|盗|骗|诈骗|安全|隐私|泄露|扣款|被扣|扣费|陌生|冻结|危险|"
    "态度|不理|骂|凶|爱理不理|不耐烦|敷衍|服务员|前台|歧视|看不起|挂|"
    "为什么|怎么回事|不明白|不懂|看不懂|到底|啥意思|什么意思|搞不懂|"
    "急|担心|还没|快点|赶紧|会不会|退款|差价|补偿|赔|运费|多收|通知|告知"
)
AGENT_MARKERS = re.compile("亲|您|妹子|小妹|#E-s|ORDERID|订单编号|稍等|抱歉|http|\\[")
MAX_CHARS = 150


def draw(rows, n, rng):
    rows = [r for r in rows if 2 <= len(r[1]) <= MAX_CHARS]
    seen, unique = set(), []
    for r in rows:
        if r[1] not in seen:
            seen.add(r[1])
            unique.append(r)
    rare = [r for r in unique if RARE_TOPICS.search(r[1])]
    picked = rng.sample(rare, min(len(rare), n // 2))
    chosen = {r[0] for r in picked}
    rest = [r for r in unique if r[0] not in chosen]
    picked += rng.sample(rest, n - len(picked))
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--scale", type=float, default=1.0, help="draw this share of the planned sizes")
    parser.add_argument("--exclude", type=Path, help="a CSV whose 'id' column lists messages not to draw again")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    d = args.data_dir
    excluded = set()
    if args.exclude:
        with args.exclude.open(encoding="utf-8", newline="") as handle:
            excluded = {row["id"] for row in csv.DictReader(handle)}
    jddc = [(i, t) for i, t in iter_source(d, "jddc") if len(t) >= 4 and not AGENT_MARKERS.search(t)]
    plan = [
        (jddc, 1900),
        (list(iter_source(d, "atec")), 1000),
        (list(iter_source(d, "waimai")), 1200),
        (list(iter_source(d, "hotel")), 800),
        (list(iter_source(d, "shopping")), 1400),
    ]
    seen = {t for rows, _ in plan for i, t in rows if i in excluded}  # nor the same text under another id
    plan = [([r for r in rows if r[0] not in excluded and r[1] not in seen], round(n * args.scale)) for rows, n in plan]
    sample = [r for rows, n in plan for r in draw(rows, n, rng)]
    rng.shuffle(sample)
    args.out.mkdir(parents=True, exist_ok=True)
    for b in range(args.batches):
        with (args.out / f"batch_{b + 1:02d}.tsv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["id", "text"])
            writer.writerows(sample[b :: args.batches])


if __name__ == "__main__":
    main()
