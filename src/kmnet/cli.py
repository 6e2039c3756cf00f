"""The ``kmnet`` console command.

Subcommands (more ``kmnet data ...`` commands can be added to :func:`build_parser`)::

    kmnet data fetch piano [--dest DIR] [--tables PATH] [--base-url URL] [--mscore EXE] [--in-place]
    kmnet data build piano [--root DIR] [--out-dir DIR] [--sample K] [--seed S] [--min-fraction F]
                           [--excerpt-s SEC] [--workers N] [--no-cache] [--no-checks]

``fetch`` clones the piano source repositories at the listed commits and verifies every
file's sha256 (exit status 1 when a file is missing or differs; 2 when a table field is
malformed or would write outside ``--dest``: then nothing runs and nothing is written);
``build`` runs :func:`kmnet.datasets.piano.build` (exit status 1 when it built nothing, or
fewer pieces than ``--min-fraction`` of those asked for: then the manifest in ``--out-dir``
is left as it was).
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

__all__ = ["main", "build_parser"]

DATASETS_FETCH = ("piano",)
DATASETS_BUILD = ("piano",)


def _cmd_fetch(args: argparse.Namespace) -> int:
    from .datasets.piano.fetch import fetch_piano

    report = fetch_piano(args.dest, tables=args.tables, base_url=args.base_url, mscore=args.mscore,
                         progress=not args.quiet, in_place=args.in_place)
    counts = report["status"].value_counts().to_dict()
    print(f"{len(report)} file(s): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    bad = report[report["status"].isin(["mismatch", "missing-commit", "missing-file", "failed"])]
    for r in bad.itertuples(index=False):
        print(f"  {r.status}: {r.id} ({r.repo}@{r.commit[:12]}:{r.path}): {r.reason}", file=sys.stderr)
    skipped = report[report["status"] == "skipped"]
    if len(skipped):
        print(f"  skipped {len(skipped)} .mscx source(s): install MuseScore (mscore3) to export them",
              file=sys.stderr)
    if args.report:
        report.to_csv(args.report, index=False)
    return 1 if len(bad) else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .datasets import piano

    res = piano.build(args.root, out_dir=args.out_dir, sample=args.sample, seed=args.seed,
                      excerpt_s=args.excerpt_s, workers=args.workers, progress=not args.quiet,
                      use_cache=not args.no_cache, checks=not args.no_checks, min_fraction=args.min_fraction)
    failed = res.failures["id"].nunique() if len(res.failures) else 0
    if args.sample:
        m = res.manifest
        print(f"rebuilt {len(m)} piece(s); kern sha256 matches {int(m['kern_matches'].sum())}, "
              f"audio sha256 matches {int(m['audio_matches'].sum())}")
        if failed:
            print(f"{failed} piece(s) failed", file=sys.stderr)
        return 0 if len(m) else 1
    print(res.counts().to_string(index=False))
    if res.written:
        print(f"wrote {res.out_dir}/manifest.csv, build_report.csv, build_info.json")
        if failed:
            print(f"{failed} piece(s) failed (see build_report.csv)", file=sys.stderr)
        return 0
    if failed:
        reasons = res.failures.drop_duplicates("id")["reason"].astype(str).str.slice(0, 120)
        print(f"{failed} piece(s) failed; most common reasons:", file=sys.stderr)
        for reason, k in reasons.value_counts().head(5).items():
            print(f"  {k} x {reason}", file=sys.stderr)
    print(f"kmnet: error: {res.refused or 'nothing was written'}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kmnet`` (subcommand groups: ``data``)."""
    parser = argparse.ArgumentParser(prog="kmnet", description="kmnet command line tools")
    sub = parser.add_subparsers(dest="group", metavar="{data}")
    sub.required = True

    data = sub.add_parser("data", help="fetch and build data sets")
    dsub = data.add_subparsers(dest="action", metavar="{fetch,build}")
    dsub.required = True

    f = dsub.add_parser("fetch", help="clone a data set's source repositories at the listed commits")
    f.add_argument("dataset", choices=DATASETS_FETCH)
    f.add_argument("--dest", default=None,
                   help="data root to fill (default: KMNET_DATA or <checkout>/../shared/data)")
    f.add_argument("--tables", default=None,
                   help="folder with sources-*.tsv, or a manifest CSV (default: the data root's "
                        "tables, else data/piano/manifest.csv)")
    f.add_argument("--base-url", default="https://github.com",
                   help="where repositories live, as {base-url}/{owner}/{repo}")
    f.add_argument("--mscore", default=None, help="MuseScore executable for .mscx sources")
    f.add_argument("--report", default=None, help="write the per-file report to this CSV")
    f.add_argument("--in-place", action="store_true",
                   help="allow writing into the folder the source tables are read from (the data root)")
    f.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=_cmd_fetch)

    b = dsub.add_parser("build", help="build a data set from its sources")
    b.add_argument("dataset", choices=DATASETS_BUILD)
    b.add_argument("--root", default=None, help="data root (default: KMNET_DATA or ../shared/data)")
    b.add_argument("--out-dir", default="data/piano", help="where the manifest and report go")
    b.add_argument("--sample", type=int, default=None,
                   help="rebuild only K pieces of the existing manifest and compare checksums")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--min-fraction", type=float, default=0.9,
                   help="write nothing (and exit 1) when fewer than this fraction of the pieces are built")
    b.add_argument("--excerpt-s", type=float, default=30.0, help="seconds of audio per piece")
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--no-cache", action="store_true", help="recompute everything")
    b.add_argument("--no-checks", action="store_true", help="skip the music21 quality checks")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=_cmd_build)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kmnet`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (OSError, ValueError) as exc:  # missing/unwritable paths, bad tables or options
        print(f"kmnet: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
