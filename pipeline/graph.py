"""The wirestrip pipeline graph: read -> parse -> clean -> fingerprint -> write, rejects beside."""

from __future__ import annotations

import apache_beam as beam

from pipeline.layout import Layout
from pipeline.options import WirestripOptions
from schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA
from transforms.read import FILES, ReadInputs, config_from_options
from transforms.rows import RunContext
from transforms.rules import RuleSet
from transforms.safe import REJECTS
from transforms.stages import ProcessRecords, ToRejectRows
from transforms.write import WriteJsonLines, WriteTable


def build(p: beam.Pipeline, opts: WirestripOptions, rules: RuleSet, ctx: RunContext, staging: Layout, ingest_date: str) -> None:
    """Add the whole run to `p`, writing every table into the `staging` layout."""
    read = p | "ReadInputs" >> ReadInputs(
        opts.input, opts.input_format, opts.max_file_bytes, opts.max_record_bytes, config_from_options(opts)
    )
    processed = read["records"] | "Process" >> ProcessRecords(opts.default_tz, rules, ctx)
    rejects = (read[REJECTS], processed[REJECTS]) | "AllRejects" >> beam.Flatten() | "RejectRows" >> ToRejectRows(ctx)
    processed["rows"] | "WriteArticles" >> WriteTable(staging.partition("articles", ingest_date), ARTICLES_SCHEMA, opts.num_shards)
    rejects | "WriteRejects" >> WriteTable(staging.partition("rejects", ingest_date), REJECTS_SCHEMA, opts.num_shards)
    read[FILES] | "WriteFileInfo" >> WriteJsonLines(staging.file_info)
