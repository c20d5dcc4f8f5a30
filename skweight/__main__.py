"""Command line: ``python -m skweight`` or ``skweight`` runs the demonstration."""

import argparse
import sys


def _parser():
    parser = argparse.ArgumentParser(
        prog="skweight",
        description="Sample weighting and resampling for labels, groups and strata.",
    )
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="balance gender within product categories "
                                       "on generated data (the default command)")
    demo.add_argument("--n-samples", type=int, default=40_000,
                      help="number of generated reviews (default: 40000)")
    demo.add_argument("--random-state", type=int, default=0,
                      help="seed of the data and the split (default: 0)")
    return parser


def main(argv=None):
    """Entry point of the ``skweight`` command."""
    args = _parser().parse_args(argv)
    if args.command in (None, "demo"):
        from ._demo import run_demo

        n_samples = getattr(args, "n_samples", 40_000)
        if n_samples < 100:
            print("skweight: error: --n-samples must be at least 100", file=sys.stderr)
            return 2
        run_demo(n_samples=n_samples, random_state=getattr(args, "random_state", 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
