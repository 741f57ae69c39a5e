"""Airflow DAG: one wirestrip run per day with BeamRunPythonPipelineOperator.

Copy this file into your DAGs folder and set the three Airflow Variables below (or edit the
defaults). The operator runs, on the worker:

    python3 -m wirestrip.pipeline.run --runner=DirectRunner --input=... --output=... --run_date=YYYY-MM-DD \
        --index=... --max_reject_rate=0.2 --labels=airflow-version=...

- Idempotent: a retry or a backfill of the same `ds` replaces exactly that day's partition
  (--run_date = ds), so `retries` and `catchup` are safe. Do not run two days into one output
  root at the same time (max_active_runs=1): commits of one root are not coordinated.
- Exit codes fail the task: 2 bad options, 3 run failed / counts did not reconcile (nothing
  committed), 4 committed but the reject rate exceeded --max_reject_rate (look at the report).
- --index: the fingerprint index of earlier runs, for cross-batch near-duplicate detection.
- Any Beam runner works: set runner="DataflowRunner" (and the usual project/region/temp_location
  options) or Flink/Spark; wirestrip must be installed where the pipeline is launched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator

INPUT = Variable.get("wirestrip_input", default_var="/data/dumps/{{ ds }}/**")
OUTPUT = Variable.get("wirestrip_output", default_var="/data/wirestrip")
INDEX = Variable.get("wirestrip_index", default_var="/data/wirestrip/index")

with DAG(
    dag_id="wirestrip_daily",
    description="Clean yesterday's news dumps into the wirestrip dataset",
    schedule="@daily",
    start_date=datetime(2025, 8, 1),
    catchup=False,
    max_active_runs=1,  # one run at a time per output root
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["wirestrip"],
) as dag:
    BeamRunPythonPipelineOperator(
        task_id="wirestrip_run",
        runner="DirectRunner",  # wirestrip maps it to its offline local runner
        py_file="wirestrip.pipeline.run",
        py_options=["-m"],
        py_interpreter="python3",
        pipeline_options={
            "input": INPUT,
            "output": OUTPUT,
            "run_date": "{{ ds }}",  # the partition this run replaces
            "index": INDEX,
            "max_reject_rate": 0.2,  # more than 1 record in 5 rejected: exit 4, fail the task
            # The local runner stays in its default in_memory mode: Beam 2.77's multi_processing mode
            # lost rows on large batches (docs/runners.md). For more than one core, use a cluster runner.
        },
    )
