"""`make eval-clean`: score the cleaner on a labelled corpus generated from ../shared (see
bench/corpora/cleangen.py). Prints its inputs and every figure the issue asks for:

- boilerplate-line precision and recall, overall and per kind (recall by labelled kind;
  precision by the kind of the rule that removed a line);
- body lines lost (share of all body lines), and articles with any body line lost;
- publisher and origin_agency accuracy where the text states them; false agencies (an agency
  output where the text states none, or a different one);
- the same for the held-out quarter of the reference families, separately.

python -m bench.eval.eval_clean [--stories N] [--no-learned] [--show N]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter, defaultdict

from wirestrip.transforms.clean.agencies import name_key
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.learned import MIN_SHARE, LearnedIndex, group_of
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.clean.segment_model import SegmentModel
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read.post_text import parse_post
from wirestrip.transforms.record_types import CleanArticle, RawRecord

from bench.corpora.cleangen import SEED, Article, generate
from bench.shared import SHARED

_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _same_org(a: str | None, b: str | None) -> bool:
    """Two organisation names denote the same one: equal keys, or one key a prefix of the other."""
    ka, kb = name_key(a or ""), name_key(b or "")
    return bool(ka and kb) and (ka == kb or ka.startswith(kb + " ") or kb.startswith(ka + " "))


def _model() -> SegmentModel | None:
    """The segment classifier as a run's --segment-model sets it: the shipped one (the default), or
    WIRESTRIP_SEGMENT_MODEL's `off` or model file."""
    spec = os.environ.get("WIRESTRIP_SEGMENT_MODEL", "builtin")
    return None if spec == "off" else SegmentModel.load(None if spec == "builtin" else spec)


MODEL_ON = os.environ.get("WIRESTRIP_SEGMENT_MODEL_ON", "pages")  # as --segment-model-on (its default: pages)


def clean_corpus(articles: list[Article], learned: bool) -> tuple[list[CleanArticle], LearnedIndex | None]:
    """Parse and clean every generated post (rules, then optionally the corpus-learned lines: two passes)."""
    rules = load_rules()
    parsed = []
    for a in articles:
        raw = a.text().encode()
        sha = raw_sha(raw)
        rec = RawRecord(
            f"gen://{a.doc}.txt", f"{a.doc}.txt", f"post=0;bytes=0-{len(raw)}", "txt", raw, sha, doc_id(f"{a.doc}.txt", "post=0", sha)
        )
        parsed.append(parse_post(rec))
    model = _model()
    first = [clean_article(p, rules, model=model, model_on=MODEL_ON) for p in parsed]
    if not learned:
        return first, None
    index = LearnedIndex.learn(first)
    second = [
        clean_article(p, rules, learned=index.lookup_for(group_of(c)), model=model, model_on=MODEL_ON)
        if index.has_group(group_of(c))
        else c
        for p, c in zip(parsed, first, strict=True)
    ]
    return second, index


def score(articles: list[Article], cleaned: list[CleanArticle], show: int = 0) -> dict:
    """Every figure, overall and for the held-out families."""
    s: dict = defaultdict(Counter)
    shown = 0
    for art, clean in zip(articles, cleaned, strict=True):
        kept = [_norm(p) for p in clean.paragraphs]
        kept_set = set(kept)
        # The standfirst column keeps its lines too (the parser takes the lines before a "City:" line as the lead).
        kept_text = "\n".join([*kept, _norm(clean.parsed.standfirst or "")])
        lost_here = 0
        for ln in art.lines:
            if ln.label == "body":
                body = ln.text
                for span, _, _, _ in ln.spans:
                    body = body.replace(span, "", 1)
                body = _norm(body)
                s["body"]["lines"] += 1
                s["body_by_kind"][ln.kind] += 1
                if body not in kept_text:
                    s["body"]["lost"] += 1
                    s["body_lost_by_kind"][ln.kind] += 1
                    lost_here += 1
                    rule = next((r.rule_id for r in clean.removed if _norm(r.text) and _norm(r.text) in body), "?")
                    s["fp_rule_kind"][next((r.kind for r in clean.removed if r.rule_id == rule), "?")] += 1
                    if shown < show:
                        print(f"  LOST body [{ln.kind}] {body[:110]!r} (by {rule})")
                        shown += 1
                for span, kind, family, holdout in ln.spans:
                    bucket = "holdout" if holdout else "bp"
                    s[bucket]["lines"] += 1
                    s["recall_kind"][kind + ".n"] += 1
                    if _norm(span) not in kept_text:
                        s[bucket]["found"] += 1
                        s["recall_kind"][kind + ".found"] += 1
                    elif shown < show:
                        print(f"  MISSED span [{kind}/{family}] {span!r}")
                        shown += 1
            else:
                bucket = "holdout" if ln.holdout else "bp"
                s[bucket]["lines"] += 1
                s["recall_kind"][ln.kind + ".n"] += 1
                if _norm(ln.text) not in kept_set:
                    s[bucket]["found"] += 1
                    s["recall_kind"][ln.kind + ".found"] += 1
                elif shown < show:
                    print(f"  MISSED [{ln.kind}/{ln.family}{' HOLDOUT' if ln.holdout else ''}] {ln.text[:110]!r}")
                    shown += 1
        s["articles"]["n"] += 1
        s["articles"]["with_loss"] += bool(lost_here)
        bucket = "prov_holdout" if art.holdout_provenance else "prov"
        for name, key, want, got in (
            ("PUBLISHER", "pub", art.publisher, clean.publisher),
            ("REPUBLISHED_FROM", "outlet", art.republished_from, clean.republished_from),
        ):
            if want:
                s[bucket][f"{key}_n"] += 1
                ok = _same_org(got, want)
                s[bucket][f"{key}_ok"] += ok
                if not ok and shown < show:
                    print(f"  {name} want {want!r} got {got!r} ({art.doc})")
                    shown += 1
        if art.agency:
            s[bucket]["agency_n"] += 1
            ok = _same_org(clean.origin_agency, art.agency)
            s[bucket]["agency_ok"] += ok
            if not ok:
                s[bucket]["agency_wrong"] += clean.origin_agency is not None
                if shown < show:
                    print(
                        f"  AGENCY want {art.agency!r} ({art.agency_family}) got {clean.origin_agency!r} by {clean.origin_agency_rule} ({art.doc})"
                    )
                    shown += 1
        elif clean.origin_agency:
            s[bucket]["agency_invented"] += 1
            if shown < show:
                print(f"  INVENTED agency {clean.origin_agency!r} by {clean.origin_agency_rule} ({art.doc})")
                shown += 1
    return s


def pure_bodies() -> None:
    """Every BBC article as it is (no boilerplate at all): any line removed or agency found is a false positive."""
    rules, model = load_rules(), _model()
    n = removed = agencies = 0
    for f in sorted((SHARED / "corpora" / "bbc").glob("*/*.txt")):
        lines = f.read_bytes().decode("latin-1").splitlines()
        raw = "\n\n".join([lines[0], *(ln for ln in lines[1:] if ln.strip())]).encode()
        sha = raw_sha(raw)
        clean = clean_article(
            parse_post(RawRecord(str(f), f.name, "post=0", "txt", raw, sha, doc_id(f.name, "post=0", sha))),
            rules,
            model=model,
            model_on=MODEL_ON,
        )
        n += 1
        removed += sum(1 for r in clean.removed if r.position >= 0)
        agencies += clean.origin_agency is not None
    print(
        f"pure BBC bodies (all {n} articles, no boilerplate added): lines removed {removed}, agencies found {agencies} (both should be 0)"
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.4f}" if b else "n/a"


def report(s: dict) -> None:
    """Print the figures."""
    body, arts = s["body"], s["articles"]
    fp = body["lost"]
    for name, key in (("rule-writing families", "bp"), ("HELD-OUT families (generalisation)", "holdout")):
        tp, n = s[key]["found"], s[key]["lines"]
        print(
            f"boilerplate lines, {name}: {n} lines, recall {_ratio(tp, n)}, precision {_ratio(tp, tp + fp)} (false positives = body lines lost: {fp})"
        )
    tp, n = s["bp"]["found"] + s["holdout"]["found"], s["bp"]["lines"] + s["holdout"]["lines"]
    print(f"boilerplate lines, ALL families: {n} lines, recall {_ratio(tp, n)}, precision {_ratio(tp, tp + fp)}")
    print("recall by labelled kind:")
    kinds = sorted({k.rsplit(".", 1)[0] for k in s["recall_kind"]})
    for k in kinds:
        n, found = s["recall_kind"][k + ".n"], s["recall_kind"][k + ".found"]
        print(f"  {k:>16}: {found:5d}/{n:<5d} {_ratio(found, n)}")
    print("precision by kind of the removing rule (body lines a rule of that kind removed):")
    if not s["fp_rule_kind"]:
        print("  none: no rule kind removed a body line")
    for k, v in sorted(s["fp_rule_kind"].items()):
        print(f"  {k:>16}: {v} body lines")
    print(
        f"body lines lost: {fp}/{body['lines']} = {fp / max(body['lines'], 1):.4%}  (hard negatives {s['body_lost_by_kind']['hard_negative']}/{s['body_by_kind']['hard_negative']}, subheads {s['body_lost_by_kind']['subhead']}/{s['body_by_kind']['subhead']}, datelined first paragraphs {s['body_lost_by_kind']['dateline']}/{s['body_by_kind']['dateline']})"
    )
    print(
        f"articles with no body line lost: {arts['n'] - arts['with_loss']}/{arts['n']} = {_ratio(arts['n'] - arts['with_loss'], arts['n'])}"
    )
    for name, key in (("rule-writing families", "prov"), ("HELD-OUT families", "prov_holdout")):
        p = s[key]
        print(
            f"provenance, articles whose stated source is from {name}: publisher accuracy {_ratio(p['pub_ok'], p['pub_n'])} ({p['pub_ok']}/{p['pub_n']}), "
            f"origin_agency accuracy {_ratio(p['agency_ok'], p['agency_n'])} ({p['agency_ok']}/{p['agency_n']}), "
            f"wrong agencies {p['agency_wrong']}, invented agencies (text states none) {p['agency_invented']}, "
            f"republished_from accuracy {_ratio(p['outlet_ok'], p['outlet_n'])} ({p['outlet_ok']}/{p['outlet_n']})"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stories", type=int, default=900, help="BBC stories to wrap (copies come on top). Default: 900.")
    ap.add_argument("--no-learned", action="store_true", help="rules only: skip the corpus-learned second pass")
    ap.add_argument("--show", type=int, default=0, help="print up to N misses and losses")
    args = ap.parse_args(argv)
    if not (SHARED / "corpora" / "bbc").is_dir() or not (SHARED / "reference").is_dir():
        print(f"eval-clean: skipped, {SHARED}/corpora/bbc or {SHARED}/reference is absent")
        return 0
    t0 = time.perf_counter()
    articles, refs = generate(SHARED, args.stories)
    held = sorted({r.family for r in refs if r.holdout})
    rules = load_rules()
    print(
        f"inputs: {len(articles)} generated posts from {args.stories} BBC stories (seed {SEED}) and {len(refs)} reference lines; "
        f"rules {rules.version} ({len(rules.rules)} rules); segment model: {getattr(_model(), 'version', 'off')} on {MODEL_ON}; learned pass: {'off' if args.no_learned else 'on'}"
    )
    print(f"held-out families ({len(held)}): {'; '.join(held)}")
    cleaned, index = clean_corpus(articles, learned=not args.no_learned)
    if index is not None:
        print(
            f"learned lines: {len(index)} (support >= {index.min_support} distinct stories and >= {MIN_SHARE:.0%} of the group's stories)"
        )
    report(score(articles, cleaned, args.show))
    pure_bodies()
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
