"""The default local runner: Beam's FnApiRunner, offline.

Beam 2.77's DirectRunner first tries to download the Prism runner (no timeout) and falls back to
the FnApiRunner when that fails. We go straight to the FnApiRunner, configured as DirectRunner
configures it, so a default run never opens a connection. Any other --runner is Beam's.
"""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.runner import PipelineResult, PipelineRunner

DIRECT_ALIASES = frozenset({"", "direct", "directrunner", "offlinedirectrunner"})


class OfflineDirectRunner(PipelineRunner):
    """FnApiRunner with the pipeline options provisioned to its workers (in-process or multi-process)."""

    def run_pipeline(self, pipeline, options: PipelineOptions) -> PipelineResult:
        from apache_beam.portability.api import beam_provision_api_pb2
        from apache_beam.runners.portability.fn_api_runner import fn_runner
        from apache_beam.runners.portability.portable_runner import JobServiceHandle

        encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
        info = fn_runner.ExtendedProvisionInfo(beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
        return fn_runner.FnApiRunner(provision_info=info).run_pipeline(pipeline, options)


def runner_for(options: PipelineOptions) -> PipelineRunner | str:
    """Our offline runner for the default / DirectRunner; otherwise the runner name for Beam to resolve."""
    name = options.view_as(StandardOptions).runner or ""
    if name.lower() in DIRECT_ALIASES:
        return OfflineDirectRunner()
    return name


# SDK workers (multi_processing, portable) log every start-up step at INFO, and warn that they
# cannot parse our options (they parse before our code is imported). Keep their WARNINGs and errors.
_WORKER_LOG_OVERRIDES = (
    '{"__main__": "ERROR", "apache_beam.options.pipeline_options": "ERROR", "apache_beam.runners.worker.sdk_worker_main": "ERROR"}'
)


def with_quiet_workers(argv: list[str]) -> list[str]:
    """Add worker log levels to a Beam command line unless the user set them."""
    out = list(argv)
    if not any(a.startswith("--default_sdk_harness_log_level") for a in argv):
        out.append("--default_sdk_harness_log_level=WARNING")
    if not any(a.startswith("--sdk_harness_log_level_overrides") for a in argv):
        out.append("--sdk_harness_log_level_overrides=" + _WORKER_LOG_OVERRIDES)
    return out
