"""The run manifest: inputs, options, counts and the reconciliation read = written + rejected + skipped,
computed from the files the run wrote (Beam counters are reported beside it, not relied on)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.commit import atomic_write, list_files
from wirestrip.transforms.write.table_rows import utf8_safe

# The byte (or gzip member) offset a region's records start at, as their locators print it
# (`bytes=S-E` for JSON Lines, `member=C;...` for member-per-record WARC.gz, `bytes=S-` for a cut).
_OFFSET = r"^(?:bytes|member)=(?P<offset>\d+)"


def parquet_rows(directory: str, columns: list[str] | None = None) -> tuple[int, list[dict]]:
    """Row count of the Parquet files below `directory` (every partition), and the requested columns as dicts."""
    total, rows = 0, []
    for path in list_files(directory, ".parquet"):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            pf = pq.ParquetFile(f)
            total += pf.metadata.num_rows
            if columns:
                rows.extend(pf.read(columns=columns).to_pylist())
    return total, rows


def file_infos(directory: str) -> list[dict]:
    """The readers' JSON lines: one per input pattern and per input file."""
    out = []
    for path in list_files(directory, ".jsonl"):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            out.extend(json.loads(line) for line in f.read().decode("utf-8").splitlines() if line.strip())
    return out


def reconcile(infos: list[dict], written: int, rejects: list[dict]) -> dict[str, Any]:
    """Counts in records: what the readers say they read against what the run wrote."""
    read = sum(i.get("records", 0) + i.get("rejected", 0) + i.get("skipped", 0) for i in infos)
    skipped = sum(i.get("skipped", 0) for i in infos)
    rejected = len(rejects)
    return {
        "read": read,
        "written": written,
        "rejected": rejected,
        "skipped": skipped,
        "ok": read == written + rejected + skipped,
        "rejected_by_stage": dict(sorted(Counter(r["stage"] for r in rejects).items())),
        "rejected_by_reason": dict(sorted(Counter(f"{r['stage']}.{r['error_type']}" for r in rejects).items())),
    }


def _row_counts(directory: str, by_stage: bool, region_uris: set[str]) -> tuple[Counter, list[pa.Table]]:
    """Rows per (source_uri, stage) of one table (stage "" for articles), counted by Arrow one
    Parquet file at a time; plus (source_uri, stage, offset) of the rows of files read in regions."""
    counts: Counter = Counter()
    regional = []
    columns = ["source_uri", "locator"] + (["stage"] if by_stage else [])
    for path in list_files(directory, ".parquet"):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            t = pq.ParquetFile(f).read(columns=columns)
        if not by_stage:
            t = t.append_column("stage", pa.array([""] * t.num_rows, pa.string()))
        for row in t.group_by(["source_uri", "stage"]).aggregate([([], "count_all")]).to_pylist():
            counts[(row["source_uri"], row["stage"])] += row["count_all"]
        if region_uris:
            part = t.filter(pc.is_in(t["source_uri"], pa.array(sorted(region_uris), pa.string())))
            offset = pc.struct_field(pc.extract_regex(part["locator"], _OFFSET), "offset")
            regional.append(pa.table({"source_uri": part["source_uri"], "stage": part["stage"], "offset": pc.cast(offset, pa.int64())}))
    return counts, regional


def per_file_counts(infos: list[dict], articles_dir: str, rejects_dir: str) -> list[dict]:
    """The manifest's `files`: each input file (or region of one) with what became of its records,
    from the rows written, so that per file `read = written + rejected + skipped` as for the run.

    The readers only know what they rejected while reading; a record rejected later (parse, clean)
    or a file whose every record was, said rejected=0. `records` stays the reader's count of records
    handed on; `rejected` and `rejected_by_stage` count the rejects rows of the file, every stage.
    A file read in regions has one entry per region: a row counts in the region its locator's
    offset falls in (the first region when the locator names none)."""
    files = [dict(i) for i in infos if i["kind"] == "file"]
    for f in files:  # the reader's own total, before `rejected` means every stage
        f["read"] = f.get("records", 0) + f.get("rejected", 0) + f.get("skipped", 0)
    by_uri: dict[str, list[dict]] = defaultdict(list)
    for f in files:
        by_uri[utf8_safe(f["source_uri"])].append(f)  # rows carry file names as valid UTF-8
    region_uris = {uri for uri, entries in by_uri.items() if len(entries) > 1}
    articles, regional = _row_counts(articles_dir, False, region_uris)
    rejects, more = _row_counts(rejects_dir, True, region_uris)
    regional += more
    stages_of: dict[str, dict[str, int]] = defaultdict(dict)
    for (uri, stage), n in rejects.items():
        stages_of[uri][stage] = n
    for uri, entries in by_uri.items():
        if uri in region_uris:
            continue
        (f,) = entries
        stages = stages_of.get(uri, {})
        f.update(written=articles[(uri, "")], rejected=sum(stages.values()), rejected_by_stage=dict(sorted(stages.items())))
    if region_uris:
        _attribute_regions(by_uri, region_uris, pa.concat_tables(regional) if regional else None)
    return sorted(files, key=lambda i: (i["source_uri"], (i.get("region") or [0])[0]))


def _attribute_regions(by_uri: dict[str, list[dict]], region_uris: set[str], rows: pa.Table | None) -> None:
    """Counts for the region entries of files read in parallel regions, by the offset of each row."""
    for uri in region_uris:
        entries = sorted(by_uri[uri], key=lambda f: (f.get("region") or [0])[0])
        for f in entries:
            f.update(written=0, rejected=0, rejected_by_stage={})
        if rows is None:
            continue
        mine = rows.filter(pc.equal(rows["source_uri"], uri)).to_pydict()
        starts = [(f.get("region") or [0])[0] for f in entries]
        for stage, offset in zip(mine["stage"], mine["offset"], strict=True):
            i = max((k for k, start in enumerate(starts) if offset is not None and start <= offset), default=0)
            f = entries[i]
            if stage == "":
                f["written"] += 1
            else:
                f["rejected"] += 1
                f["rejected_by_stage"][stage] = f["rejected_by_stage"].get(stage, 0) + 1
    for uri in region_uris:
        for f in by_uri[uri]:
            f["rejected_by_stage"] = dict(sorted(f["rejected_by_stage"].items()))


def manifest_bytes(obj: Any) -> bytes:
    """A manifest as it is stored (the commit stages these bytes and moves them into place)."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str).encode("utf-8")


def write_json(path: str, obj: Any) -> None:
    """Write JSON so that readers never see half a file."""
    atomic_write(path, manifest_bytes(obj))
