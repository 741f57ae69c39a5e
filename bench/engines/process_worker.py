"""A Python SDK worker for Beam's PROCESS environment (what the SDK container's `boot` does, without a container).

A runner (Flink's TaskManager here) starts `COMMAND --id=.. --provision_endpoint=.. --control_endpoint=..
--logging_endpoint=.. ...` once per worker it needs. This asks the provision service for the pipeline
options, sets the environment `sdk_worker_main` reads, and runs the harness with this interpreter (which
must have wirestrip installed). Used by bench/engines/flink.py: with LOOPBACK, two TaskManagers give their
workers the same ids ("1", "2", ...) in the one worker pool of the launching process, and one
TaskManager's StopWorker stops the other's worker mid-bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import grpc
from apache_beam.portability.api import beam_provision_api_pb2, beam_provision_api_pb2_grpc
from google.protobuf import json_format


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    for flag in ("id", "provision_endpoint", "control_endpoint", "logging_endpoint", "artifact_endpoint", "semi_persist_dir"):
        ap.add_argument(f"--{flag}", default="")
    args, _ = ap.parse_known_args(argv)
    with grpc.insecure_channel(args.provision_endpoint) as channel:
        stub = beam_provision_api_pb2_grpc.ProvisionServiceStub(channel)
        info = stub.GetProvisionInfo(beam_provision_api_pb2.GetProvisionInfoRequest(), metadata=[("worker_id", args.id)]).info
    os.environ.update(
        WORKER_ID=args.id,
        PIPELINE_OPTIONS=json.dumps(json_format.MessageToDict(info.pipeline_options)),
        SEMI_PERSISTENT_DIRECTORY=args.semi_persist_dir or "/tmp",
        CONTROL_API_SERVICE_DESCRIPTOR=f'url: "{info.control_endpoint.url or args.control_endpoint}"',
        LOGGING_API_SERVICE_DESCRIPTOR=f'url: "{info.logging_endpoint.url or args.logging_endpoint}"',
    )
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(sys.argv[:1])


if __name__ == "__main__":
    main(sys.argv[1:])
