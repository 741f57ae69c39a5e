"""`wirestrip report OUT`: what the committed output holds, as terminal tables and as one
self-contained HTML page with plots (inline SVG, no script, no network), from DuckDB queries.

Only committed data is read (pipeline.dataset): the tables under OUT/<table>/ on local disk, the
files named by the `_current` pointers on object stores. Cluster columns may be null (dedup not
run yet): those sections say so instead of failing.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.commit import atomic_write, list_files
from wirestrip.pipeline.dataset import committed_files, interrupted_commits, read_parquet
from wirestrip.pipeline.layout import Layout, is_local

TOP = 15  # rows per ranked table: enough to see the head of the distribution on one screen


@dataclass
class Section:
    """One titled table of the report, with an optional bar chart of (label, value) pairs."""

    title: str
    columns: list[str]
    rows: list[tuple]
    note: str = ""
    chart: list[tuple[str, float]] = field(default_factory=list)
    chart_label: str = ""  # what the bars count
    heat: bool = False  # render the table as a heat map (publishers x agencies)


def _arrow_table(files: list[str]) -> pa.Table | None:
    """Read committed files with their partition columns (pipeline.dataset, any scheme); `text` is
    replaced by its length so that the report holds metadata, not bodies, in memory."""
    tables = []
    for path in files:
        t = read_parquet(path)
        if "text" in t.column_names:
            t = t.append_column("text_chars", pc.utf8_length(t["text"])).drop_columns(["text"])
        tables.append(t)
    return pa.concat_tables(tables, promote_options="default") if tables else None


def connect(root: str) -> tuple[duckdb.DuckDBPyConnection, dict[str, int]]:
    """A DuckDB connection with views `articles` and `rejects` over the committed output."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    sizes = {}
    for table in ("articles", "rejects"):
        files = committed_files(root, table)
        sizes[table] = len(files)
        if not files:
            continue
        if is_local(root):
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            source = f"read_parquet([{listed}], hive_partitioning = true, union_by_name = true)"
            select = "* exclude (text), length(text) as text_chars" if table == "articles" else "*"
            con.execute(f"create view {table} as select {select} from {source}")
        else:
            con.register(f"{table}_arrow", _arrow_table(files))
            con.execute(f"create view {table} as select * from {table}_arrow")
    return con, sizes


def _q(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _has(con, view: str) -> bool:
    return bool(_q(con, f"select count(*) from information_schema.tables where table_name = '{view}'")[0][0])


def _manifests(root: str) -> list[dict]:
    out = []
    for path in list_files(Layout(root).manifests, ".json"):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            out.append(json.loads(f.read()))
    return sorted(out, key=lambda m: m.get("started_at", ""))


def build_sections(root: str, top: int = TOP) -> tuple[list[Section], list[str]]:
    """Every section of the report, and warnings about the output itself."""
    con, sizes = connect(root)
    warnings = []
    if interrupted_commits(root):
        warnings.append("a commit was interrupted (killed run): the next `wirestrip run` on this output rolls it forward")
    sections: list[Section] = []
    runs = _manifests(root)
    if runs:
        rows = [
            (
                m.get("run_id"),
                m.get("run_date"),
                m.get("status"),
                m.get("counts", {}).get("read"),
                m.get("counts", {}).get("written"),
                m.get("counts", {}).get("rejected"),
                m.get("seconds"),
            )
            for m in runs[-top:]
        ]
        sections.append(Section("Runs (latest last)", ["run_id", "run_date", "status", "read", "articles", "rejected", "seconds"], rows))
    has_a, has_r = _has(con, "articles"), _has(con, "rejects")
    if not has_a and not has_r:
        warnings.append(f"no committed data under {root}")
        return sections, warnings

    a_dates = dict(_q(con, "select ingest_date::varchar, count(*) from articles group by 1")) if has_a else {}
    r_dates = dict(_q(con, "select ingest_date::varchar, count(*) from rejects group by 1")) if has_r else {}
    dates = sorted(set(a_dates) | set(r_dates))
    rows = [(d, a_dates.get(d, 0), r_dates.get(d, 0)) for d in dates]
    total = ("total", sum(a_dates.values()), sum(r_dates.values()))
    sections.append(
        Section(
            "Articles and rejects per ingest date",
            ["ingest_date", "articles", "rejects"],
            [*rows, total],
            note=f"{sizes['articles']} article files, {sizes['rejects']} reject files committed",
            chart=[(d, a) for d, a, _ in rows],
            chart_label="articles per ingest date",
        )
    )
    if has_r:
        rows = _q(
            con,
            f"select stage, error_type, count(*) n, min(source_uri) example from rejects group by all order by n desc, stage, error_type limit {top}",
        )
        sections.append(
            Section(
                "Rejects by reason",
                ["stage", "error_type", "records", "example source"],
                rows,
                chart=[(f"{s}.{e}", n) for s, e, n, _ in rows],
                chart_label="records rejected, by stage.reason",
            )
        )
    if not has_a:
        return sections, warnings

    (n, synd, pub, assumed, first, last) = _q(
        con,
        "select count(*), count(*) filter (where syndicated), count(distinct publisher), count(*) filter (where published_tz_assumed), "
        "min(published_at)::varchar, max(published_at)::varchar from articles",
    )[0]
    sections.append(
        Section(
            "Articles",
            ["articles", "syndicated", "publishers", "time zone assumed", "first published (UTC)", "last published (UTC)"],
            [(n, synd, pub, assumed, first, last)],
        )
    )
    rows = _q(
        con,
        "select r.rule_id, r.kind, count(*) n, sum(length(r.text)) chars from articles, unnest(removed) as t(r) "
        f"group by all order by n desc, r.rule_id limit {top}",
    )
    sections.append(
        Section(
            "Rules fired",
            ["rule_id", "kind", "spans removed", "characters removed"],
            rows,
            chart=[(r, c) for r, _, c, _ in rows],
            chart_label="spans removed, by rule",
        )
    )

    pubs = [
        p for (p,) in _q(con, f"select coalesce(publisher, '(unknown)') p from articles group by 1 order by count(*) desc, 1 limit {top}")
    ]
    agencies = [
        a for (a,) in _q(con, "select coalesce(origin_agency, '(none)') a from articles group by 1 order by count(*) desc, 1 limit 8")
    ]
    cells = {
        (p, a): c
        for p, a, c in _q(
            con, "select coalesce(publisher, '(unknown)'), coalesce(origin_agency, '(none)'), count(*) from articles group by all"
        )
    }
    sections.append(
        Section(
            "Publishers x origin agencies (articles)",
            ["publisher", *agencies],
            [(p, *[cells.get((p, a), 0) for a in agencies]) for p in pubs],
            heat=True,
        )
    )

    rows = _q(
        con,
        "select coalesce(publisher, '(unknown)') p, count(*) n, sum(coalesce(text_chars, 0)) kept, "
        "sum(coalesce(list_sum(list_transform(removed, lambda r: length(r.text))), 0)) removed "
        f"from articles group by 1 order by removed desc, p limit {top}",
    )
    rows = [(p, n, kept, rem, f"{100 * rem / (kept + rem):.1f}%" if kept + rem else "-") for p, n, kept, rem in rows]
    sections.append(
        Section(
            "Removed characters per publisher",
            ["publisher", "articles", "characters kept", "characters removed", "removed share"],
            rows,
            chart=[(p, rem) for p, _, _, rem, _ in rows],
            chart_label="characters removed, by publisher",
        )
    )

    sized = _q(con, "select count(*) from articles where cluster_size is not null")[0][0]
    if not sized:
        note = "cluster columns are null in this output: near-duplicate clustering has not run on it"
        sections.append(Section("Cluster sizes", ["cluster_size", "articles"], [], note=note))
        sections.append(Section("Biggest clusters", ["cluster_id", "size", "original title", "original publisher"], [], note=note))
    else:
        rows = _q(con, "select cluster_size, count(*) from articles where cluster_size is not null group by 1 order by 1")
        sections.append(
            Section(
                "Cluster sizes",
                ["cluster_size", "articles"],
                rows,
                chart=[(str(s), c) for s, c in rows],
                chart_label="articles, by the size of their cluster",
            )
        )
        rows = _q(
            con,
            # One row per original: an article rerun on several ingest dates must not multiply the copies.
            "with o as (select doc_id, any_value(title) title, any_value(publisher) publisher, min(published_at) published_at "
            "from articles group by doc_id) "
            "select c.cluster_id, max(c.cluster_size) size, count(*) here, any_value(o.title), any_value(o.publisher), "
            "any_value(o.published_at)::varchar from articles c left join o on o.doc_id = c.cluster_id "
            f"where c.cluster_id is not null group by c.cluster_id order by size desc, here desc, c.cluster_id limit {top}",
        )
        sections.append(
            Section(
                "Biggest clusters, with their originals",
                ["cluster_id", "size", "copies in output", "original title", "original publisher", "original published"],
                rows,
                note="the original is the cluster's canonical copy (cluster_id = its doc_id); blank where it is not in this output",
            )
        )
    return sections, warnings


# ---- rendering ---------------------------------------------------------------------------------


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.3f}"
    if isinstance(v, int):
        return f"{v:,}"
    text = str(v).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def render_text(sections: list[Section], warnings: list[str], root: str) -> str:
    """Terminal tables."""
    out = [f"wirestrip report: {root}"]
    out += [f"warning: {w}" for w in warnings]
    for s in sections:
        out += ["", f"== {s.title} =="]
        if s.note:
            out.append(f"({s.note})")
        if not s.rows:
            continue
        cells = [[_cell(v) for v in r] for r in s.rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(s.columns)]
        out.append("  ".join(c.ljust(w) for c, w in zip(s.columns, widths, strict=True)).rstrip())
        out.append("  ".join("-" * w for w in widths))
        for r in cells:
            out.append("  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(out) + "\n"


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "").replace("%", "").lstrip("-").isdigit()


def _bar_chart(pairs: list[tuple[str, float]]) -> str:
    """A horizontal bar chart as inline SVG; labels escaped (they come from the data)."""
    pairs = [(str(label), float(v or 0)) for label, v in pairs]
    if not pairs:
        return ""
    peak = max(v for _, v in pairs) or 1.0
    bar_h, gap, label_w, bar_w = 18, 6, 260, 420
    height = len(pairs) * (bar_h + gap) + gap
    parts = [f'<svg class="chart" role="img" width="{label_w + bar_w + 90}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, v) in enumerate(pairs):
        y = gap + i * (bar_h + gap)
        w = max(1.0, bar_w * v / peak) if v else 0
        short = label if len(label) <= 38 else label[:35] + "..."
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end">{html.escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}"><title>{html.escape(label)}: {v:,.0f}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h - 5}">{v:,.0f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _html_table(s: Section) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in s.columns)
    peak = max((v for r in s.rows for v in r[1:] if isinstance(v, int | float)), default=0) if s.heat else 0
    body = []
    for r in s.rows:
        tds = []
        for i, v in enumerate(r):
            style = ""
            if s.heat and i > 0 and isinstance(v, int | float) and peak:
                style = f' style="background: rgba(37, 99, 235, {0.08 + 0.7 * v / peak:.2f})"'
            cls = ' class="num"' if isinstance(v, int | float) else ""
            tds.append(f"<td{cls}{style}>{html.escape(_cell(v))}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1f2937; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #e5e7eb; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { padding: .25rem .6rem; border-bottom: 1px solid #f3f4f6; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f9fafb; }
.note { color: #6b7280; font-style: italic; } .warn { color: #b91c1c; font-weight: 600; }
svg.chart text { font: 12px system-ui, sans-serif; fill: #374151; } svg.chart rect { fill: #2563eb; }
"""


def render_html(sections: list[Section], warnings: list[str], root: str) -> str:
    """One self-contained page: inline CSS and SVG, no script, nothing fetched."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>wirestrip report: {html.escape(root)}</title><style>{_CSS}</style></head><body>",
        f"<h1>wirestrip report</h1><p>Output <code>{html.escape(root)}</code>, committed data only; generated {now}.</p>",
    ]
    parts += [f"<p class='warn'>{html.escape(w)}</p>" for w in warnings]
    for s in sections:
        parts.append(f"<section><h2>{html.escape(s.title)}</h2>")
        if s.note:
            parts.append(f"<p class='note'>{html.escape(s.note)}</p>")
        if s.chart:
            parts.append(f"<p class='note'>bars: {html.escape(s.chart_label)}</p>" if s.chart_label else "")
            parts.append(_bar_chart(s.chart))
        if s.rows:
            parts.append(_html_table(s))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def report_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wirestrip report",
        description="Summarise a committed wirestrip output: terminal tables and a self-contained HTML page with plots.",
    )
    p.add_argument("output", metavar="OUT", help="Output root of `wirestrip run` (local path, gs://, s3://).")
    p.add_argument("--html", metavar="PATH", help="Where to write the HTML page. Default: OUT/_report/index.html.")
    p.add_argument("--no-html", action="store_true", help="Terminal tables only.")
    p.add_argument("--top", type=int, default=TOP, help=f"Rows per ranked table. Default: {TOP}.")
    return p


def output_problem(root: str) -> str | None:
    """Why `root` is not an output root to report on (missing, a file, nothing below it), or None.
    A local root must be an existing folder; on an object store, where folders are only name
    prefixes, at least one object must exist below it."""
    if is_local(root):
        local = _abs(root)
        if not os.path.exists(local):
            return f"{root} does not exist; give the --output folder of `wirestrip run`"
        if not os.path.isdir(local):
            return f"{root} is not a directory; give the --output folder of `wirestrip run`"
        return None
    try:
        found = FileSystems.match([FileSystems.join(root.rstrip("/"), "**")], limits=[1])[0].metadata_list
    except Exception as exc:  # noqa: BLE001 - Beam wraps "nothing there" and "cannot list" alike
        if "No files found" not in str(exc):
            return f"cannot list {root}: {exc}"
        found = []
    return None if found else f"nothing below {root}; give the --output root of `wirestrip run`"


def main(argv: list[str]) -> int:
    """`wirestrip report`; exit 0, or 2 on bad arguments or an OUT that is not there."""
    args = report_parser().parse_args(argv)
    if args.top <= 0:
        print("wirestrip report: error: --top must be positive", file=sys.stderr)
        return 2
    problem = output_problem(args.output)
    if problem:  # before anything is written: a mistyped OUT must not get _report/ folders of its own
        print(f"wirestrip report: error: {problem}", file=sys.stderr)
        return 2
    sections, warnings = build_sections(args.output, args.top)
    sys.stdout.write(render_text(sections, warnings, args.output))
    if not args.no_html:
        path = args.html or FileSystems.join(args.output, "_report", "index.html")
        atomic_write(path, render_html(sections, warnings, args.output).encode("utf-8"), mime_type="text/html")
        print(f"\nwirestrip: HTML report: {path}" + (f"  (open file://{_abs(path)})" if is_local(path) else ""))
    return 0


def _abs(path: str) -> str:
    return os.path.abspath(path[len("file://") :] if path.startswith("file://") else path)
