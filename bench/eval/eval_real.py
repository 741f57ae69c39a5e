"""`make eval-real`: the whole pipeline (`wirestrip run`) on the real-pages CSV dumps, scored per
segment against the corpus labels, on held-out sites, beside simple baselines on the same segments.

Inputs: ../shared/corpora/real-pages/{l3s-gn1,dragnet}.csv (`id,publisher,text`, segments joined
by ` ### `) and the matching *.segments.jsonl.gz (labels). A segment is positive (should go) when
its label is not `body` or `headline`.

Held-out sites: the pages of both corpora are split into 5 site-grouped folds (bench/eval/
real_pages.py). For each fold a model is fitted (bench/eval/fit_segments.fit) on the other four
folds of both corpora; its threshold is the lowest score reaching removal precision >= 0.99 on the
other folds' out-of-fold scores (the held-out fold's labels choose nothing). The fold's pages (both
corpora, one CSV per corpus) then go through one `wirestrip run --segment-model <that model>` and
one `wirestrip run --segment-model off` (rules and learned lines only), so both settings see the
same batches.

Mapping an output back: an articles or rejects row's `locator` is `row=N;bytes=S-E`, N counting
the data rows of the fold's CSV from 1; the CSV parser splits `text` into paragraphs on `###`
(transforms/read/formats.split_paragraphs), and a `removed` entry's `position` is the index of its
paragraph in the parsed body (after any leading paragraph moved to `title`/`standfirst`, which is
reported apart: out of the text, not lost). A segment is removed when every paragraph it became is
removed whole (or its inline cuts cover it); a page rejected because nothing was left has all its
segments removed. Every mapping is checked against the text (removed texts inside their
paragraph, kept paragraphs equal to the `text` column); disagreements are printed.

Beside them, on the same segments: "drop segments under 8 words", and jusText 3.0.2 (English
stoplist, each segment a <p>, default settings), as the corpus README computed its baselines, and
the fold models' scores alone (no pipeline). Figures per corpus: precision of removals, recall of
positives, body segments (and words) lost, headlines removed, recall per positive label.

`--list N` also prints, for the rules-only pipeline, the N most frequent boilerplate segments left in
the text (digits shown as #) and every body segment removed with the rule that took it: what to
write rules for next, and what a rule costs (printed from ../shared at run time, never stored).

python -m bench.eval.eval_real [--folds 5] [--no-model] [--with-shipped] [--keep DIR] [--list N]
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.eval import real_pages as rp

RUN_DATE = "2026-01-01"
NO_TEXT_REJECTS = frozenset({"only_boilerplate", "no_article_text"})  # "nothing left": every segment removed
SHORT_WORDS = 8
_ROW = re.compile(r"row=(\d+);")
_PARA_SEPARATORS = ("###", "|||", "\n\n", "\n")  # transforms/read/formats.split_paragraphs' auto order


# ----------------------------------------------------------------------------- mapping


def paragraph_map(segments: Sequence[str]) -> tuple[list[str], list[int]]:
    """The paragraphs the CSV parser makes of the segments joined by ` ### ` (split on the
    separator it detects, whitespace collapsed, empty parts dropped), and each one's segment."""
    text = " ### ".join(segments)
    sep = next((s for s in _PARA_SEPARATORS if s in text), None)
    paras: list[str] = []
    seg_of: list[int] = []
    for i, seg in enumerate(segments):
        for part in seg.split(sep) if sep else [seg]:
            if part.strip():
                paras.append(" ".join(part.split()))
                seg_of.append(i)
    return paras, seg_of


def row_of(locator: str) -> int | None:
    """N of a `row=N;bytes=S-E` locator (data rows from 1), else None."""
    m = _ROW.match(locator or "")
    return int(m.group(1)) if m else None


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _nonspace(text: str) -> int:
    return len(text) - sum(ch.isspace() for ch in text)


@dataclass
class PageOutcome:
    """What the pipeline did to one page's segments."""

    removed: np.ndarray  # bool per segment: out of the output (not in text, not moved to title/standfirst)
    moved: np.ndarray  # bool per segment: out of the text, into title/standfirst
    partial: np.ndarray  # bool per segment: kept, with an inline span cut out
    rejected: str | None = None  # error_type when the page was rejected
    problems: list[str] = field(default_factory=list)
    removed_by: list[str | None] = field(default_factory=list)  # per segment: rule id of a whole removal


def _moved_offsets(paras: list[str], title: str | None, standfirst: str | None) -> list[int]:
    """Candidate counts of leading paragraphs taken into title then standfirst (0 always first)."""
    offs = [0]
    t, s = _norm(title), _norm(standfirst)
    starts = [0] + ([1] if t and paras and paras[0] == t else [])
    for o in starts:
        if o:
            offs.append(o)
        if s:
            joined = ""
            for j in range(o, len(paras)):
                joined = f"{joined} {paras[j]}".strip()
                if joined == s:
                    offs.append(j + 1)
                    break
                if len(joined) > len(s):
                    break
    return sorted(set(offs))


def _paragraph_status(body: list[str], removed: Sequence[dict], kept_out: list[str]):
    """(fully removed, partly cut, whole-removal rule id, problems) per body paragraph."""
    by_pos: dict[int, list[dict]] = {}
    problems: list[str] = []
    for e in removed:
        p = e.get("position")
        if p is None or not 0 <= p < len(body):
            problems.append(f"removed position {p} outside the body's {len(body)} paragraphs")
            continue
        by_pos.setdefault(p, []).append(e)
    full = [False] * len(body)
    part = [False] * len(body)
    rule: list[str | None] = [None] * len(body)
    for p, entries in by_pos.items():
        cut = 0
        for e in entries:
            t = _norm(e.get("text"))
            if t == body[p]:
                full[p], rule[p] = True, e.get("rule_id")
            elif t and t in body[p]:
                cut += _nonspace(t)
            else:
                problems.append(f"removed text at position {p} is not in that paragraph")
        if not full[p] and cut:
            if cut >= _nonspace(body[p]):
                full[p], rule[p] = True, "inline"
            else:
                part[p] = True
    kept = [p for p in range(len(body)) if not full[p]]
    if len(kept) != len(kept_out):
        problems.append(f"{len(kept)} paragraphs should be kept, the text has {len(kept_out)}")
    else:
        for p, out in zip(kept, kept_out, strict=True):
            if not part[p] and out != body[p]:
                problems.append(f"kept paragraph {p} differs from the text's")
                break
    return full, part, rule, problems


def segment_outcome(segments: Sequence[str], row: dict | None, reject: str | None = None) -> PageOutcome:
    """One page's segments against its articles row (text, removed, title, standfirst), or its reject."""
    n = len(segments)
    if row is None:
        return PageOutcome(np.ones(n, bool), np.zeros(n, bool), np.zeros(n, bool), reject or "missing", [], [reject] * n)
    paras, seg_of = paragraph_map(segments)
    kept_out = [p for p in (row.get("text") or "").split("\n\n") if p.strip()]
    removed = list(row.get("removed") or [])
    best = None
    for off in _moved_offsets(paras, row.get("title"), row.get("standfirst")):
        full, part, rule, problems = _paragraph_status(paras[off:], removed, kept_out)
        if best is None or len(problems) < len(best[4]):
            best = (off, full, part, rule, problems)
        if not problems:
            break
    off, full, part, rule, problems = best  # type: ignore[misc]
    status = ["moved"] * off + ["removed" if f else ("partial" if p else "kept") for f, p in zip(full, part, strict=True)]
    rules: list[str | None] = [None] * off + rule
    out = PageOutcome(np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool), None, problems, [None] * n)
    per_seg: dict[int, list[int]] = {}
    for k, i in enumerate(seg_of):
        per_seg.setdefault(i, []).append(k)
    for i in range(n):
        ks = per_seg.get(i, [])
        if not ks:  # nothing left of it after parsing (whitespace only): not in the output
            out.removed[i] = True
            continue
        st = {status[k] for k in ks}
        if st <= {"removed"}:
            out.removed[i] = True
            out.removed_by[i] = rules[ks[0]]
        elif st <= {"removed", "moved"}:
            out.moved[i] = True
        elif "partial" in st:
            out.partial[i] = True
    return out


# ----------------------------------------------------------------------------- inputs and runs


def read_csv_pages(path: Path) -> list[dict]:
    """A real-pages CSV dump's rows: {id, publisher, text}."""
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_fold_csv(path: Path, rows: Sequence[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "publisher", "text"])
        for r in rows:
            w.writerow([r["id"], r["publisher"], r["text"]])


def wirestrip_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("wirestrip")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "wirestrip.pipeline.cli"]


def has_segment_model_option() -> bool:
    out = subprocess.run([*wirestrip_cmd(), "run", "--help"], capture_output=True, text=True, check=False)
    return "--segment-model" in out.stdout


def run_pipeline(input_dir: Path, out_dir: Path, segment_model: str | None, model_on: str | None = None) -> float:
    """`wirestrip run` on input_dir/*.csv (`--segment-model-on model_on` when given); seconds taken."""
    cmd = [*wirestrip_cmd(), "run", "--input", f"{input_dir}/*.csv", "--output", str(out_dir), "--run-date", RUN_DATE]
    cmd += ["--format", "csv", "--progress-seconds", "0"]
    if segment_model is not None:
        cmd += ["--segment-model", segment_model]
    if model_on is not None and segment_model not in (None, "off"):
        cmd += ["--segment-model-on", model_on]
    t0 = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 4):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return time.time() - t0


def read_outputs(out_dir: Path) -> tuple[dict[tuple[str, int], dict], dict[tuple[str, int], str], list[str]]:
    """(articles by (file name, row), reject error types by (file name, row), problems)."""
    import pyarrow.parquet as pq

    articles: dict[tuple[str, int], dict] = {}
    rejects: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    cols = {
        "articles": ["source_uri", "locator", "text", "title", "standfirst", "removed", "publisher", "url"],
        "rejects": ["source_uri", "locator", "error_type"],
    }
    for table, names in cols.items():
        for f in sorted((out_dir / table).rglob("*.parquet")):
            for r in pq.read_table(f, columns=names).to_pylist():
                key = (r["source_uri"].rsplit("/", 1)[-1], row_of(r["locator"]))
                if key[1] is None:
                    problems.append(f"{table} row with locator {r['locator']!r}")
                    continue
                target = articles if table == "articles" else rejects
                if key in articles or key in rejects:
                    problems.append(f"two outputs for {key}")
                target[key] = r if table == "articles" else r["error_type"]
    return articles, rejects, problems


def justext_removed(segments: Sequence[str]) -> np.ndarray:
    """jusText 3.0.2's decision per segment (English stoplist, default settings, each segment a <p>)."""
    import justext

    doc = "<html><body>" + "".join(f"<p>{html.escape(s)}</p>" for s in segments) + "</body></html>"
    paras = justext.justext(doc.encode("utf-8"), _stoplist(), encoding="utf-8")
    if len(paras) != len(segments):
        raise ValueError(f"jusText made {len(paras)} paragraphs of {len(segments)} segments")
    return np.array([p.is_boilerplate for p in paras], dtype=bool)


_STOPLIST: frozenset | None = None


def _stoplist() -> frozenset:
    global _STOPLIST
    if _STOPLIST is None:
        import justext

        _STOPLIST = justext.get_stoplist("English")
    return _STOPLIST


def short_removed(segments: Sequence[str], words: int = SHORT_WORDS) -> np.ndarray:
    return np.array([len(s.split()) < words for s in segments], dtype=bool)


# ----------------------------------------------------------------------------- scoring


@dataclass
class Setting:
    """One removal decision over every evaluated segment (stacked in page order)."""

    name: str
    removed: list[np.ndarray] = field(default_factory=list)  # per page, in evaluation order
    moved: list[np.ndarray] = field(default_factory=list)
    partial: list[np.ndarray] = field(default_factory=list)
    outcomes: dict[int, PageOutcome] = field(default_factory=dict)  # pipeline settings: page index -> outcome
    rejected: Counter = field(default_factory=Counter)  # (corpus, error_type) -> pages
    problems: Counter = field(default_factory=Counter)
    evidence: Counter = field(default_factory=Counter)  # (corpus, rules|learned|model|inline|rejected) -> segments
    pipeline: bool = False


def evidence_of(rule_id: str | None, rejected: str | None) -> str:
    if rejected:
        return "page rejected"
    if rule_id is None:
        return "empty after parsing"
    if rule_id.startswith("model:"):
        return "model"
    if rule_id.startswith("learned:"):
        return "learned"
    return "inline" if rule_id == "inline" else "rules"


def table(settings: Sequence[Setting], pages: Sequence[dict], order: Sequence[int]) -> list[str]:
    """Markdown rows per corpus (and both pooled) and setting."""
    lab = np.concatenate([np.array(rp.labels(pages[i]), dtype=object) for i in order])
    words = np.concatenate([np.array([len(t.split()) for t in rp.texts(pages[i])]) for i in order])
    head = ["corpus", "setting", "P", "R", "body lost", "body words lost", "headline rm"]
    head += [f"R {n}" for n in rp.POSITIVE_LABELS] + ["removed", "moved to title", "partly cut", "pages rejected"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    f = _fmt
    marker = rp.dragnet_marker_pages()
    groups: list[tuple[str, Callable[[dict], bool]]] = [(name, lambda p, name=name: p["corpus"] == name) for name in rp.CORPORA]
    if marker is not None:  # Dragnet's labels differ by page: comments are `body` where the gold has no marker
        n_marker = sum(1 for i in order if pages[i]["corpus"] == "dragnet" and pages[i]["page_id"] in marker)
        n_dragnet = sum(1 for i in order if pages[i]["corpus"] == "dragnet")
        groups.append((f"dragnet, comment marker ({n_marker} pages)", lambda p: p["corpus"] == "dragnet" and p["page_id"] in marker))
        groups.append(
            (f"dragnet, no marker ({n_dragnet - n_marker} pages)", lambda p: p["corpus"] == "dragnet" and p["page_id"] not in marker)
        )
    groups.append(("both", lambda p: True))
    for name, member in groups:
        m = np.concatenate([np.full(len(pages[i]["segments"]), member(pages[i])) for i in order])
        for s in settings:
            if not s.removed:
                continue
            rem = np.concatenate(s.removed)[m]
            d = rp.metrics(rem, lab[m])
            body = lab[m] == "body"
            bw = float((words[m] * (rem & body)).sum() / max((words[m] * body).sum(), 1))
            moved = int(np.concatenate(s.moved)[m].sum()) if s.moved else 0
            partial = int(np.concatenate(s.partial)[m].sum()) if s.partial else 0
            rej = sum(1 for i, oc in s.outcomes.items() if oc.rejected and member(pages[i]))
            cells = [name, s.name, f(d["P"]), f(d["R"]), f"{100 * d['body_lost']:.1f} %", f"{100 * bw:.1f} %", f(d["headline_removed"])]
            cells += [f(d[f"R_{n}"]) for n in rp.POSITIVE_LABELS]
            cells += [
                str(d["removed"]),
                str(moved) if s.pipeline else "–",
                str(partial) if s.pipeline else "–",
                str(rej) if s.pipeline else "–",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def listing(setting: Setting, pages: Sequence[dict], n: int) -> list[str]:
    """Per corpus: the n commonest positive segments the setting kept (digits as '#', with their
    label), then every body segment it removed whole, with the rule id that took it."""
    out: list[str] = []
    for name in rp.CORPORA:
        left: Counter = Counter()
        lost: list[str] = []
        for i, oc in sorted(setting.outcomes.items()):
            if pages[i]["corpus"] != name:
                continue
            for j, seg in enumerate(pages[i]["segments"]):
                text = " ".join(seg["text"].split())
                if seg["label"] not in rp.KEEP_LABELS and not oc.removed[j]:
                    left[(seg["label"], re.sub(r"\d", "#", text)[:120])] += 1
                elif seg["label"] == "body" and oc.removed[j]:
                    lost.append(f"    {oc.removed_by[j] or oc.rejected or '?'}: {text[:160]}")
        out.append(f"{name}: {n} commonest boilerplate segments left in the text ({sum(left.values())} in all)")
        out += [f"    {c} {lab}: {t}" for (lab, t), c in left.most_common(n)]
        out.append(f"{name}: body segments removed ({len(lost)})")
        out += sorted(lost)
    return out


def body_removed_by_family(setting: Setting, pages: Sequence[dict]) -> list[str]:
    """Per corpus, the body-labelled segments a pipeline setting removed, by the family of the rule
    id that took them (`byline.*`, `chrome.*`, `credit.*`, `learned`, `model`, ...): most families
    are classes issue 13 asks to remove (bylines, timestamps, credits, captions), which Dragnet's
    gold content often holds (its labels come from the extracted text, not from segment classes)."""
    out: list[str] = []
    for name in rp.CORPORA:
        fam: Counter = Counter()
        body = 0
        for i, oc in setting.outcomes.items():
            if pages[i]["corpus"] != name:
                continue
            for j, seg in enumerate(pages[i]["segments"]):
                if seg["label"] != "body":
                    continue
                body += 1
                if oc.removed[j]:
                    rid = oc.removed_by[j] or ("page rejected" if oc.rejected else "?")
                    fam[re.split(r"[.:]", rid, maxsplit=1)[0]] += 1
        lost = sum(fam.values())
        parts = ", ".join(f"{k} {v}" for k, v in fam.most_common())
        out.append(
            f"  {name}: {lost} of {body} body segments removed ({100 * lost / max(body, 1):.1f} %), by rule family: {parts or 'none'}"
        )
    return out


def model_labels(setting: Setting, pages: Sequence[dict], corpus: str = "l3s-gn1") -> list[str]:
    """The model removals of a pipeline setting by their label (`model:<label>`) against the gold
    kind of the segment (L3S-GN1's: supplemental, comments -> comment, related and boilerplate -> chrome,
    or body / headline): how often the label the labeller gave is the right one."""
    from bench.eval.fit_segments import LABEL_OF, LABELS

    gold_kind = {lab: LABELS[k] for (name, lab), k in LABEL_OF.items() if name == corpus}  # the labeller's own classes
    tally: dict[str, Counter] = {}
    for i, oc in setting.outcomes.items():
        if pages[i]["corpus"] != corpus:
            continue
        labels = rp.labels(pages[i])
        for j in np.flatnonzero(oc.removed):
            rule = oc.removed_by[j] or ""
            if rule.startswith("model:"):
                tally.setdefault(rule, Counter())[gold_kind.get(labels[j], labels[j])] += 1
    lines = [f"  {corpus}: model removals by label vs the segment's gold kind (held-out folds):"]
    for rule, gold in sorted(tally.items()):
        n = sum(gold.values())
        right = gold.get(rule.removeprefix("model:"), 0)
        kinds = ", ".join(f"{k} {v}" for k, v in gold.most_common())
        lines.append(f"    {rule}: {n} removed, label right {right / n:.3f} ({kinds})")
    return lines if tally else []


def _fmt(v: float) -> str:
    return "–" if v != v else f"{v:.3f}"


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-model", action="store_true", help="rules-only pipeline and baselines, no fold models")
    ap.add_argument(
        "--model-on",
        choices=("pages", "all"),
        default="pages",
        help="the pipeline's --segment-model-on for the model runs (default: pages, the pipeline's default)",
    )
    ap.add_argument("--with-shipped", action="store_true", help="also run the shipped model on every page (in-sample, NOT held-out)")
    ap.add_argument("--keep", type=Path, help="keep the fold inputs, models and outputs in this directory")
    ap.add_argument(
        "--list",
        type=int,
        default=0,
        metavar="N",
        help="list the N commonest boilerplate segments left and every body segment removed (rules only)",
    )
    args = ap.parse_args(argv)
    csvs = {name: rp.ROOT / f"{name}.csv" for name in rp.CORPORA}
    if not rp.available() or not all(p.exists() for p in csvs.values()):
        print(f"eval-real: skipped, {rp.ROOT} has no real-pages corpora")
        return 0
    t_start = time.time()
    from bench.eval import fit_segments

    pages = rp.load_all()
    rows_by_id: dict[tuple[str, str], dict] = {}
    mismatched = 0
    for name, path in csvs.items():
        for r in read_csv_pages(path):
            rows_by_id[(name, r["id"])] = r
    rewritten = 0
    for p in pages:
        r = rows_by_id.get((p["corpus"], p["page_id"]))
        csv_segments = r["text"].split(" ### ") if r is not None else []
        if len(csv_segments) != len(p["segments"]):
            mismatched += 1
        elif csv_segments != rp.texts(p):
            rewritten += 1  # the README's `###` runs rewritten to `##` in the CSV: the pipeline sees the CSV's
        p["csv_segments"] = csv_segments if len(csv_segments) == len(p["segments"]) else rp.texts(p)
    folds = rp.page_folds(pages, args.folds)
    print("eval-real: the whole pipeline on the real-pages CSV dumps, per segment, held-out sites")
    for name in rp.CORPORA:
        print(f"  input {csvs[name]} + {name}.segments.jsonl.gz")
    for name, c in rp.counts(pages).items():
        print(f"  {name}: {c['pages']} pages, {c['segments']} segments, {c['groups']} site groups")
    print(
        f"  CSV text split on ' ### ' = the labelled segments: {len(pages) - mismatched - rewritten} pages; differing in text only: {rewritten}"
    )
    if mismatched:
        print(f"  WARNING: {mismatched} pages whose CSV text does not split into as many segments as they have labels")
    sizes = [
        ", ".join(f"{n} {sum(1 for p, g in zip(pages, folds, strict=True) if g == k and p['corpus'] == n)}" for n in rp.CORPORA)
        for k in range(args.folds)
    ]
    print(f"  {args.folds} site-grouped folds (pages): " + " | ".join(f"fold {k}: {s}" for k, s in enumerate(sizes)))

    use_model = not args.no_model
    if use_model and not has_segment_model_option():
        print("  model path skipped: this wirestrip's `run` has no --segment-model option yet")
        use_model = False
    order = [i for k in range(args.folds) for i in range(len(pages)) if folds[i] == k]  # evaluation order: fold by fold

    # fold models (in-process), their out-of-fold scores and held-out thresholds
    scores: dict[int, np.ndarray] = {}
    fold_models: dict[int, dict] = {}
    if use_model:
        t0 = time.time()
        feats = fit_segments.features(pages)
        for k in range(args.folds):
            tr = [i for i in range(len(pages)) if folds[i] != k]
            te = [i for i in range(len(pages)) if folds[i] == k]
            model = fit_segments.fit([pages[i] for i in tr], [feats[i] for i in tr], threshold=1.0)
            s = fit_segments.predict(model["lightgbm"], [feats[i] for i in te])
            for i, chunk in zip(te, np.split(s, np.cumsum([len(feats[i]) for i in te])[:-1]), strict=True):
                scores[i] = chunk
            fold_models[k] = model
        y = {i: rp.positive(p) for i, p in enumerate(pages)}
        for k in range(args.folds):
            others = [i for i in range(len(pages)) if folds[i] != k]
            t = rp.threshold_for_precision(np.concatenate([scores[i] for i in others]), np.concatenate([y[i] for i in others]))
            fold_models[k]["threshold"] = t
            fold_models[k]["trained_on"] += f" Threshold {t:.4f}: removal precision >= 0.99 on the other folds' out-of-fold scores."
        print(f"  fold models fitted in {time.time() - t0:.0f}s:")
        for k, m in fold_models.items():
            print(f"    fold {k}: {m['version']}, threshold {m['threshold']:.4f} (chosen without fold {k}'s labels)")

    off = Setting("pipeline, rules only (--segment-model off)", pipeline=True)
    with_model = Setting(f"pipeline + held-out model (--segment-model-on {args.model_on})", pipeline=True)
    alone = Setting("held-out model alone @t (no pipeline)")
    short = Setting(f"drop segments under {SHORT_WORDS} words")
    jt = Setting("jusText 3.0.2 (English, each segment a <p>)")
    shipped = Setting(f"pipeline + SHIPPED model on {args.model_on} (in-sample, not held-out)", pipeline=True)
    timings: list[str] = []
    score_diffs: list[float] = []
    work = Path(tempfile.mkdtemp(prefix="wirestrip-eval-real-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    off_flag = "off" if has_segment_model_option() else None
    try:
        runs: list[tuple[Setting, str | None, list[int], Path]] = []
        for k in range(args.folds):
            members = [i for i in range(len(pages)) if folds[i] == k]
            fold_dir = work / f"fold{k}"
            inputs = fold_dir / "input"
            inputs.mkdir(parents=True, exist_ok=True)
            for name in rp.CORPORA:
                write_fold_csv(
                    inputs / f"{name}.csv", [rows_by_id[(name, pages[i]["page_id"])] for i in members if pages[i]["corpus"] == name]
                )
            runs.append((off, off_flag, members, fold_dir))
            if use_model:
                model_path = fold_dir / "model.json"
                fit_segments.write_model(fold_models[k], model_path)
                runs.append((with_model, str(model_path), members, fold_dir))
        if args.with_shipped and use_model:
            members = list(range(len(pages)))
            all_dir = work / "all"
            (all_dir / "input").mkdir(parents=True, exist_ok=True)
            for name in rp.CORPORA:
                write_fold_csv(
                    all_dir / "input" / f"{name}.csv",
                    [rows_by_id[(name, pages[i]["page_id"])] for i in members if pages[i]["corpus"] == name],
                )
            runs.append((shipped, "builtin", members, all_dir))
        for setting, model_flag, members, fold_dir in runs:
            tag = "model" if setting is with_model else ("shipped" if setting is shipped else "off")
            out_dir = fold_dir / f"out-{tag}"
            shutil.rmtree(out_dir, ignore_errors=True)
            secs = run_pipeline(fold_dir / "input", out_dir, model_flag, args.model_on)
            timings.append(f"{fold_dir.name}/{tag} {secs:.0f}s")
            articles, rejects, problems = read_outputs(out_dir)
            for pr in problems:
                setting.problems[pr] += 1
            row_no = {name: 0 for name in rp.CORPORA}
            for i in members:  # the order the fold's CSVs were written in
                name = pages[i]["corpus"]
                row_no[name] += 1
                key = (f"{name}.csv", row_no[name])
                reject = rejects.get(key)
                oc = segment_outcome(pages[i]["csv_segments"], articles.get(key), reject if key not in articles else None)
                if key not in articles and reject is None:
                    setting.problems["page with no output row"] += 1
                setting.outcomes[i] = oc
                for pr in oc.problems:
                    setting.problems[re.sub(r"\d+", "N", pr)] += 1
                if oc.rejected:
                    setting.rejected[(name, oc.rejected)] += 1
                for j in np.flatnonzero(oc.removed):
                    setting.evidence[(name, evidence_of(oc.removed_by[j], oc.rejected))] += 1
                if setting is with_model and articles.get(key):
                    _, seg_of = paragraph_map(pages[i]["csv_segments"])
                    for e in articles[key]["removed"] or []:
                        pos = e.get("position")
                        if str(e.get("rule_id", "")).startswith("model:") and e.get("score") is not None and 0 <= pos < len(seg_of):
                            diff = abs(float(e["score"]) - float(scores[i][seg_of[pos]]))
                            score_diffs.append(diff)
        for setting in (off, with_model, shipped):
            if setting.outcomes:
                setting.removed = [setting.outcomes[i].removed for i in order]
                setting.moved = [setting.outcomes[i].moved for i in order]
                setting.partial = [setting.outcomes[i].partial for i in order]
        for i in order:
            segs = rp.texts(pages[i])
            short.removed.append(short_removed(segs))
            jt.removed.append(justext_removed(segs))
            if use_model:
                alone.removed.append(scores[i] >= fold_models[folds[i]]["threshold"])
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.with_shipped and use_model:
        from wirestrip.transforms.clean.segment_model import SegmentModel

        print(f"  shipped model: {SegmentModel.load().version} (trained on every page here: in-sample figures)")
    print(f"  pipeline runs: {', '.join(timings)}")
    settings = [off, with_model, alone, short, jt, shipped]
    print()
    for line in table(settings, pages, order):
        print(line)
    print()
    for s in settings:
        if not s.pipeline or not s.removed:
            continue
        ev = ", ".join(f"{c} {e} {n}" for (c, e), n in sorted(s.evidence.items()))
        rej = ", ".join(f"{c} {e} {n}" for (c, e), n in sorted(s.rejected.items())) or "none"
        print(f"{s.name}: removed segments by evidence: {ev}; rejected pages: {rej}")
        for line in body_removed_by_family(s, pages):
            print(line)
        for line in model_labels(s, pages):
            print(line)
        if s.problems:
            print(f"  MAPPING PROBLEMS: {dict(s.problems)}")
        else:
            print("  mapping checks: every removed text inside its paragraph, every kept paragraph equal to the text column")
    if use_model:
        d = np.array(score_diffs) if score_diffs else np.zeros(1)
        print(
            f"pipeline's `score` of its model removals vs the fold model's score of that segment here: "
            f"max |diff| {d.max():.4f}, {(d > 1e-3).sum()} of {len(score_diffs)} over 0.001"
        )
    if args.list and off.outcomes:
        for line in listing(off, pages, args.list):
            print(line)
    print(f"eval-real done in {time.time() - t_start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
