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
