#!/usr/bin/env python3
"""Generate the shipped Korean dialogue-summarization sample dataset.

Writes ``train.csv``, ``dev.csv`` and ``test.csv`` into ``data/sample/`` (or ``--out DIR``).
A thin command line over `workbench.sample` (the scenario banks, slot values and assembly live
there); the output is fully deterministic, so running the script again reproduces the committed
files byte for byte.

Format (mirrors a common Korean dialogue-summarization layout):

* a dialogue is turns joined by ``\\n``; each turn is ``#PersonN#: text``;
* masked PII appears as ``#PhoneNumber#``, ``#Address#``, ``#DateOfBirth#``,
  ``#PassportNumber#``, ``#SSN#``, ``#CardNumber#``, ``#CarNumber#``, ``#Email#``;
* train/dev columns: ``fname,dialogue,summary,topic``;
  test columns: ``fname,dialogue,summary1,summary2,summary3,topic``.

Usage::

    python scripts/make_sample_data.py            # writes data/sample/*.csv
    python scripts/make_sample_data.py --out DIR  # writes DIR/*.csv
    python scripts/make_sample_data.py --seed 7 --n 16000 --style alt --out DIR
        # writes DIR/extra-alt-7-16000.csv: more train-style rows (another seed) for pretraining;
        # none is a shipped dev/test dialogue or shares half its lines with one
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "data" / "sample"
if str(ROOT) not in sys.path:  # run as a script from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from workbench.sample.build import generate_corpus, write_csvs  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--seed", type=int, default=None,
                        help="with --n: write an extra train-style corpus from this seed instead")
    parser.add_argument("--n", type=int, default=None, help="rows of the extra corpus")
    parser.add_argument("--style", choices=("train", "alt"), default="train",
                        help="extra corpus: summaries in train.csv's style or the other two")
    args = parser.parse_args(argv)
    if (args.seed is None) != (args.n is None):
        parser.error("--seed and --n go together")
    if args.seed is not None:
        rows = generate_corpus(args.seed, args.n, style=args.style)
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"extra-{args.style}-{args.seed}-{args.n}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writerow(["fname", "dialogue", "summary", "topic"])
            writer.writerows(rows)
        print(f"extra: {len(rows)} rows -> {path}")
        return
    counts = write_csvs(args.out)
    print(", ".join(f"{split}: {n} rows" for split, n in counts.items()), "->", args.out)


if __name__ == "__main__":
    main()
