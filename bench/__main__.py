"""`python -m bench [--quick] [--write | --no-write] [--output PATH]`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
from pathlib import Path
from types import FrameType

from . import report
from .run import FULL, QUICK, run

ROOT = Path(__file__).resolve().parents[1]


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmark the router against nginx.")
    parser.add_argument("--quick", action="store_true", help="short durations, a smoke run (~1 minute)")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                        help="write docs/benchmarks.md (default: yes for a full run, no for --quick)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)

    results = run(QUICK if args.quick else FULL, "python -m bench --quick" if args.quick else "make bench")
    section = report.render(results)
    print(section)
    raw = ROOT / "bench" / "results" / "router.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(dataclasses.asdict(results), indent=2))
    if args.write if args.write is not None else not args.quick:
        report.write(args.output, results)
        print(f"\nwrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
