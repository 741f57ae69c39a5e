"""Reader options on the command line."""

from __future__ import annotations

import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from wirestrip.pipeline.options import OptionsError, WirestripOptions, normalise_argv, validate
from wirestrip.transforms.read.beam_read import config_from_options

from tests.helpers import run_cli


def _opts(*args: str) -> WirestripOptions:
    opts = PipelineOptions(normalise_argv(["--input", "x", "--output", "y", *args])).view_as(WirestripOptions)
    validate(opts)
    return opts


def test_reader_options_reach_the_reader_config():
    cfg = config_from_options(
        _opts(
            "--format",
            "tsv",
            "--csv-column",
            "text=story",
            "--csv_column",
            "time=when",
            "--paragraph-separator",
            "\\n",
            "--jsonl-field",
            "text=doc.body",
            "--max-decompressed-bytes",
            "1000",
            "--split-bytes",
            "4096",
            "--max-records-per-file",
            "500",
        )
    )
    assert cfg.input_format == "tsv" and cfg.csv_delimiter == "\t"
    assert cfg.csv_columns == (("text", "story"), ("time", "when")) and cfg.jsonl_fields == (("text", "doc.body"),)
    assert (cfg.paragraph_separator, cfg.max_decompressed_bytes, cfg.split_bytes, cfg.max_records_per_file) == ("\n", 1000, 4096, 500)
    assert config_from_options(_opts()).paragraph_separator is None
    assert config_from_options(_opts()).max_records_per_file == 1_000_000


@pytest.mark.parametrize(
    "args",
    [
        ("--csv-column", "body"),
        ("--csv-column", "colour=x"),
        ("--jsonl-field", "text="),
        ("--max-decompressed-bytes", "0"),
        ("--max-records-per-file", "0"),
    ],
)
def test_bad_reader_options_are_usage_errors(args):
    with pytest.raises(OptionsError):
        _opts(*args)


def test_unknown_format_choice_exits_2(tmp_path):
    assert run_cli("--input", str(tmp_path), "--output", str(tmp_path / "o"), "--format", "xls") == 2
