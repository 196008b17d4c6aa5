"""``python -m benchmarks [--sizes 1000 10000] [--uniform 10000] [--repeats 3] [--no-real] [--out FILE]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .run import run


def main() -> None:
    """Parse the options and run the harness."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="synthetic vault sizes")
    parser.add_argument(
        "--uniform",
        type=int,
        nargs="*",
        default=[],
        help="also synthetic vaults of these sizes with the earlier uniform words (each in nearly every note)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per measure (the median is reported)")
    parser.add_argument(
        "--real",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "vaults",
        help="folder of real vaults to include when present",
    )
    parser.add_argument("--no-real", action="store_true", help="synthetic vaults only")
    parser.add_argument("--no-peers", action="store_true", help="skip obsidiantools and SQLite FTS5")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args()
    real = [] if args.no_real or not args.real.is_dir() else sorted(p for p in args.real.iterdir() if p.is_dir())
    run(args.sizes, real, args.repeats, args.out, peers=not args.no_peers, uniform=args.uniform)


if __name__ == "__main__":
    main()
