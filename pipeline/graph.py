"""The wirestrip pipeline graph: read -> parse -> clean -> fingerprint -> near-duplicate clusters -> write, rejects beside."""

from __future__ import annotations

import json

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
from wirestrip.pipeline.index_store import staging_dir
from wirestrip.pipeline.layout import published_date
from wirestrip.pipeline.plan import RunPlan
from wirestrip.pipeline.runners import DIRECT_ALIASES
from wirestrip.schemas import ARTICLES_SCHEMA, CLUSTERS_SCHEMA, INDEX_SCHEMA, REJECTS_SCHEMA
from wirestrip.transforms.beam_articles import ProcessRecords
from wirestrip.transforms.beam_progress import Progress, is_file_info
from wirestrip.transforms.beam_safe import REJECTS
from wirestrip.transforms.dedup.beam_dedup import Dedup
from wirestrip.transforms.read.beam_read import FILES, ReadInputs, config_from_options
from wirestrip.transforms.write.beam_parquet import WriteJsonLines, WriteTable
from wirestrip.transforms.write.beam_partitioned import WritePartitioned
from wirestrip.transforms.write.beam_rows import ToRejectRows


def build(p: beam.Pipeline, plan: RunPlan) -> None:
    """Add the whole run to `p`, writing every table into the plan's staging layout (with --index,
    the updated index into the index's staging folder, which run.py commits)."""
    opts, ctx, staging, ingest_date = plan.opts, plan.ctx, plan.staging, plan.run_date
    read = p | "ReadInputs" >> ReadInputs(
        opts.input,
        opts.input_format,
        opts.max_file_bytes,
        opts.max_record_bytes,
        config_from_options(opts),
        spread_records=not one_local_worker(plan.options),
    )
    every = opts.progress_seconds
    records = read["records"] | "ProgressRead" >> Progress("read", "records", every)
    processed = records | "Process" >> ProcessRecords(
        opts.default_tz,
        plan.rules,
        ctx,
        opts.learned_min_support,
        plan.prior_learned,
        opts.learned_min_share,
        plan.segment_model,
        flatten_rejects=False,  # flattened with the readers' rejects below, in one step
        segment_model_on=opts.segment_model_on,
        park_dir=FileSystems.join(staging.parked, "cleaned"),
    )
    stage_rejects = [pc for name, pc in processed.items() if name.startswith(f"{REJECTS}/")]
    rejects = (read[REJECTS], *stage_rejects) | "AllRejects" >> beam.Flatten() | "RejectRows" >> ToRejectRows(ctx)
    articles = processed["rows"] | "ProgressClean" >> Progress("clean", "articles", every)
    if opts.dedup:
        dedup = articles | "Dedup" >> Dedup(
            plan.params,
            plan.index_files,
            ingest_date,
            ctx.run_id,
            opts.index_retention_days,
            park_dir=FileSystems.join(staging.parked, "dedup"),
        )
        articles = dedup["rows"]
        dedup["clusters"] | "WriteClusters" >> WriteTable(staging.partition("clusters", ingest_date), CLUSTERS_SCHEMA, opts.num_shards)
        if "index" in dedup:  # the updated index, committed by run.py beside the output
            dedup["index"] | "WriteIndex" >> WriteTable(staging_dir(opts.index, ctx.run_id), INDEX_SCHEMA, opts.num_shards)
    if opts.partition_by == "published_date":
        articles | "WriteArticles" >> WritePartitioned(
            staging.table("articles"), "published_date", _published_partition, ingest_date, ARTICLES_SCHEMA, opts.num_shards or 1
        )
    else:
        articles | "WriteArticles" >> WriteTable(staging.partition("articles", ingest_date), ARTICLES_SCHEMA, opts.num_shards)
    rejects | "WriteRejects" >> WriteTable(staging.partition("rejects", ingest_date), REJECTS_SCHEMA, opts.num_shards)
    files = read[FILES] | "ProgressFiles" >> Progress("read", "files", every, is_file_info)
    files | "WriteFileInfo" >> WriteJsonLines(staging.file_info)
    if "learned" in processed:  # learned boilerplate lines, for the next run's --learned-lines
        (
            processed["learned"]
            | "LearnedJson" >> beam.Map(lambda r: json.dumps(r, ensure_ascii=False, sort_keys=True))
            | "WriteLearned" >> WriteJsonLines(staging.partition("learned", ingest_date))
        )


def one_local_worker(options: PipelineOptions) -> bool:
    """Whether the run executes every stage in one worker of our local runner (the default:
    in_memory, or one worker in any mode), where spreading records over workers only copies them."""
    if (options.view_as(StandardOptions).runner or "").lower() not in DIRECT_ALIASES:
        return False
    direct = options.view_as(DirectOptions)
    return direct.direct_running_mode == "in_memory" or direct.direct_num_workers == 1


def _published_partition(row: dict) -> str:
    """published_date partition value of an articles row (UTC date; null partition when unknown)."""
    return published_date(row.get("published_at"))
