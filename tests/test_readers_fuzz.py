"""Damaged input of any shape never crashes a reader, and every output is accounted for."""

from __future__ import annotations

import gzip
import json

from apache_beam.pvalue import TaggedOutput
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wirestrip.transforms.read.beam_read import FileToRead, ReadFile
from wirestrip.transforms.read.formats import ReaderConfig

from tests import dumps
from tests.helpers import WARC_RECORDS

SEEDS = {
    "a.csv": dumps.csv_dump([{"title": "T", "text": '"quoted" ### ' + p} for p in dumps.PARAS]),
    "a.jsonl": dumps.jsonl_dump([{"text": p, "html": "<p>x</p>"} for p in dumps.PARAS]),
    "a.html": dumps.page("P", dumps.PARAS).encode(),
    "a.warc": dumps.warc_dump(WARC_RECORDS),
    "a.warc.gz": dumps.warc_dump(WARC_RECORDS, gzip=True),
    "a.rss": dumps.rss_dump([dumps.rss_item("R", content="<p>x</p>")]),
    "a.txt.gz": gzip.compress(("Title\n\n" + "\n\n".join(dumps.PARAS)).encode()),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(SEEDS)),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 0.999), st.integers(0, 255)), max_size=4),
)
def test_damaged_files_never_crash_and_counts_match(tmp_path, name, cut, flips):
    data = bytearray(SEEDS[name][: int(len(SEEDS[name]) * cut)])
    for where, value in flips:
        if data:
            data[int(where * len(data))] = value
    path = tmp_path / name
    path.write_bytes(bytes(data))
    reader = ReadFile("auto", 1 << 20, 1 << 20, ReaderConfig(max_file_bytes=1 << 20, max_record_bytes=1 << 20))
    outs = list(reader.process(FileToRead(str(path), name, len(data))))
    lines = [json.loads(o.value) for o in outs if isinstance(o, TaggedOutput) and o.tag == "files"]
    rejects = [o for o in outs if isinstance(o, TaggedOutput) and o.tag == "rejects"]
    records = [o for o in outs if not isinstance(o, TaggedOutput)]
    (info,) = lines
    assert info["records"] == len(records) and info["rejected"] == len(rejects)
    assert all(r.value.error_type != "exception" for r in rejects), [r.value.message for r in rejects]
