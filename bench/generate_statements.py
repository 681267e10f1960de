"""Write benchmark statements: ``python -m bench.generate_statements --sizes 10000 --out bench/out``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.statements import DEFAULT_SEED, FORMATS, generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,200000", help="transactions per file, comma-separated")
    parser.add_argument("--formats", default=",".join(FORMATS), help=f"any of {', '.join(FORMATS)}")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            started = time.perf_counter()
            path, truth = generate(args.out, fmt, size, args.seed)
            print(
                f"{path}  {path.stat().st_size / 2**20:7.1f} MB  {truth.transactions} transactions, "
                f"total {truth.total}  ({time.perf_counter() - started:.1f} s)"
            )


if __name__ == "__main__":
    main()
