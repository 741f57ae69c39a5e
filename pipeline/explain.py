"""`wirestrip explain OUT --doc-id ID`: show one record as it came in, with every span the
cleaner removed marked by its rule id, and what the record's provenance fields say and why.

The raw record is re-read from its source_uri and locator (wirestrip.transforms.read.locate), so the output
shows the input itself, not a reconstruction. Terminal colours (auto when stdout is a terminal)
or a self-contained HTML page with --html.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from dataclasses import dataclass

from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.dataset import committed_files, rows_with_doc_id
from wirestrip.transforms.clean.learned import parse_learned_lines
from wirestrip.transforms.read.beam_files import reread_record
from wirestrip.transforms.read.text_decode import decode_text

RED, YELLOW, GREEN, DIM, BOLD, RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[2m", "\x1b[1m", "\x1b[0m"
_FIELDS = (
    "title",
    "publisher",
    "origin_agency",
    "origin_agency_rule",
    "republished_from",
    "syndicated",
    "license",
    "dateline_city",
    "byline",
    "tags",
    "rules_version",
    "run_id",
)


@dataclass
class Mark:
    """A removed span located in the raw text."""

    start: int
    end: int
    rule_id: str
    kind: str


def find_row(out: str, doc_id: str) -> tuple[str, dict] | None:
    """('articles' | 'rejects', row) of the newest committed row with this doc_id under OUT, or None.
    Rows are found through pipeline.dataset: either partition layout, local disk or object store."""
    for table in ("articles", "rejects"):
        rows = rows_with_doc_id(out, table, doc_id)
        if rows:
            return table, max(rows, key=lambda r: str(r.get("ingested_at")))
    return None


def learned_support(out: str) -> dict[str, int]:
    """rule_id -> support of the learned lines committed under OUT/learned (highest across runs)."""
    support: dict[str, int] = {}
    for path in committed_files(out, "learned"):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            try:
                records = parse_learned_lines(f.read().decode("utf-8"), path)
            except ValueError:  # UnicodeDecodeError included
                continue  # a damaged file only costs the support figure, not the explanation
        for r in records:
            support[r["rule_id"]] = max(support.get(r["rule_id"], 0), r["support"])
    return support


def locate_marks(text: str, removed: list[dict]) -> tuple[list[Mark], list[dict]]:
    """Find each removed span in the raw text, in order and without overlaps; also return those not found
    (redacted spans, or text the parser normalised)."""
    marks: list[Mark] = []
    missing = []
    taken: list[tuple[int, int]] = []
    cursor = 0
    for r in sorted(removed, key=lambda r: r["position"]):
        span = r["text"] or ""
        start = _find_free(text, span, cursor, taken)
        if start < 0:
            start = _find_free(text, span, 0, taken)
        if not span or start < 0:
            missing.append(r)
            continue
        marks.append(Mark(start, start + len(span), r["rule_id"], r["kind"]))
        taken.append((start, start + len(span)))
        if r["position"] >= 0:
            cursor = start + len(span)
    marks.sort(key=lambda m: m.start)
    return marks, missing


def _find_free(text: str, span: str, start: int, taken: list[tuple[int, int]]) -> int:
    # A span masked by --redact-removed keeps its length and separators: '*' stands for any other character.
    pattern = re.compile("".join("[^@.\\s()+-]" if c == "*" else re.escape(c) for c in span)) if "*" in span else None
    while span:
        if pattern is None:
            i = text.find(span, start)
        else:
            m = pattern.search(text, start)
            i = m.start() if m else -1
        if i < 0:
            return -1
        if all(i >= e or i + len(span) <= s for s, e in taken):
            return i
        start = i + 1
    return -1


def render_terminal(text: str, marks: list[Mark], colour: bool) -> str:
    """The raw text with removed spans marked `[rule_id]` (red text, yellow tag when colour is on)."""
    out, last = [], 0
    for m in marks:
        out.append(text[last : m.start])
        piece = text[m.start : m.end]
        if colour:
            out.append(f"{RED}{piece}{RESET}{YELLOW}[{m.rule_id}]{RESET}")
        else:
            out.append(f"⟦{piece}⟧[{m.rule_id}]")
        last = m.end
    out.append(text[last:])
    return "".join(out)


def render_html(text: str, marks: list[Mark], header: dict, missing: list[dict]) -> str:
    """A self-contained HTML page: the raw record with removed spans struck through and labelled."""
    body, last = [], 0
    for m in marks:
        body.append(html.escape(text[last : m.start]))
        body.append(
            f'<del class="{html.escape(m.kind)}" title="{html.escape(m.rule_id)}">{html.escape(text[m.start : m.end])}</del>'
            f"<sup>{html.escape(m.rule_id)}</sup>"
        )
        last = m.end
    body.append(html.escape(text[last:]))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in header.items())
    extra = "".join(f"<li>{html.escape(r['rule_id'])}: {html.escape(r['text'] or '')}</li>" for r in missing)
    return (
        "<!doctype html><meta charset='utf-8'><title>wirestrip explain</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}"
        "del{background:#fdd;color:#900}sup{color:#a60;font-size:.7em;margin-right:.3em}th{text-align:left;padding-right:1em}</style>"
        f"<table>{rows}</table><pre>{''.join(body)}</pre>"
        + (f"<p>Removed, not found verbatim in the raw text:</p><ul>{extra}</ul>" if extra else "")
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of `wirestrip explain`; returns the exit code (0 ok, 1 not found / unreadable, 2 usage)."""
    ap = argparse.ArgumentParser(prog="wirestrip explain", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", metavar="OUT", help="output root of a run (holds articles/ and rejects/)")
    ap.add_argument("--doc-id", "--doc_id", dest="doc_id", required=True, help="doc_id of the record to show")
    ap.add_argument("--html", action="store_true", help="write an HTML page to stdout instead of terminal text")
    ap.add_argument(
        "--color", "--colour", dest="color", choices=("auto", "always", "never"), default="auto", help="terminal colours (default: auto)"
    )
    args = ap.parse_args(argv)
    found = find_row(args.out, args.doc_id)
    if found is None:
        print(f"wirestrip explain: no article or reject with doc_id {args.doc_id} under {args.out}", file=sys.stderr)
        return 1
    table, row = found
    try:
        raw = reread_record(row["source_uri"], row["locator"], row["input_format"])
    except (ValueError, OSError) as exc:  # bad locator, or the source moved, changed or vanished
        print(f"wirestrip explain: {exc}", file=sys.stderr)
        return 1
    try:
        text = decode_text(raw)
    except Exception:  # noqa: BLE001 - an undecodable record is shown as bytes, it was rejected for that
        text = raw.decode("utf-8", "replace")
    header = {"doc_id": row["doc_id"], "table": table, "source": f"{row['source_uri']} @ {row['locator']}"}
    if table == "rejects":
        header.update(stage=row["stage"], error_type=row["error_type"], message=row["message"])
        removed: list[dict] = []
    else:
        header.update({k: row.get(k) for k in _FIELDS if row.get(k) not in (None, [], "")})
        removed = row.get("removed") or []
    support = learned_support(args.out)
    for r in removed:
        if r["rule_id"] in support:  # learned lines: show the support that made them boilerplate
            r["rule_id"] = f"{r['rule_id']} (support {support[r['rule_id']]} stories)"
        elif r.get("score") is not None:  # the segment classifier: show how sure it was
            r["rule_id"] = f"{r['rule_id']} (score {r['score']:.3f})"
    marks, missing = locate_marks(text, removed)
    if args.html:
        sys.stdout.write(render_html(text, marks, header, missing) + "\n")
        return 0
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    for k, v in header.items():
        print(f"{BOLD if colour else ''}{k:>18}{RESET if colour else ''}: {v}")
    print()
    print(render_terminal(text, marks, colour))
    if missing:
        print("removed, not found verbatim in the raw text (redacted or normalised):")
        for r in missing:
            print(f"  [{r['rule_id']}] {r['text']}")
    print(f"{DIM if colour else ''}{len(marks) + len(missing)} spans removed{RESET if colour else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
