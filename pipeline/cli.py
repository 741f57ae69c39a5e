"""The `wirestrip` command."""

from __future__ import annotations

import argparse
import logging
import sys

from wirestrip.pipeline import __version__
from wirestrip.pipeline.options import run_parser


def _options_section(help_text: str) -> str:
    return help_text[help_text.index("options:") :]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wirestrip` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="wirestrip",
        description="Syndication provenance and boilerplate cleaning for news dumps, on Apache Beam.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n  run     clean dumps into OUT/articles, OUT/rejects and a manifest\n"
        "  report  summarise a committed OUT: terminal tables + HTML page with plots (wirestrip report --help)\n"
        "  explain OUT --doc-id ID [--html]   show one record as it came in, each removed span marked with its rule\n\n"
        "`wirestrip run` " + _options_section(run_parser().format_help()),
    )
    parser.add_argument("--version", action="version", version=f"wirestrip {__version__}")
    parser.add_argument("command", choices=["run", "report", "explain"], help="what to do")
    if not argv or argv[0] in ("-h", "--help", "--version"):
        parser.parse_args(argv or ["--help"])
        return 0
    command, rest = argv[0], argv[1:]
    if command == "explain":
        from wirestrip.pipeline.explain import main as explain_main

        return explain_main(rest)
    if command not in ("run", "report"):
        parser.error(f"unknown command {command!r}")
    logging.basicConfig(level=logging.WARNING)
    if command == "report":
        from wirestrip.pipeline.report import main as report_main

        try:
            return report_main(rest)
        except SystemExit as exc:  # argparse errors and --help
            return 2 if exc.code else 0
    from wirestrip.pipeline.run import main as run_main

    return run_main(rest)


if __name__ == "__main__":
    sys.exit(main())
