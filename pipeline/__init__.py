"""wirestrip's driver: options, the pipeline graph, the run, output I/O (layout, commit, dataset,
manifest, index store), and the `wirestrip` commands (run, report, explain)."""

from wirestrip.pipeline.quiet_logs import silence_beam_import_notice

__version__ = "0.1.0"

silence_beam_import_notice()  # every entry point (console script, python -m) imports this package before Beam
