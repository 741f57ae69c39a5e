"""`make eval`: every evaluation whose inputs are present, each printing its figures and inputs.

Evaluations read ../shared (beside the project); each says clearly when its input is absent.
"""

from __future__ import annotations

import csv

from wirestrip.transforms.clean.rules import load_rules

from bench.shared import SHARED


def rule_coverage() -> None:
    """Share of the real boilerplate lines in ../shared/reference that a whole-line rule recognises."""
    ref = SHARED / "reference"
    if not ref.exists():
        print(f"rule coverage: skipped, {ref} is absent")
        return
    rules = load_rules()
    print(f"rule coverage of real boilerplate lines (rules {rules.version}, {len(rules.rules)} rules):")
    for name in ("disclaimers.tsv", "junk_lines.tsv"):
        with open(ref / name, encoding="utf-8") as f:
            lines = [row["exact_text"] for row in csv.DictReader(f, delimiter="\t")]
        hit = sum(1 for line in lines if rules.match_line(line.strip()))
        print(f"  {name:>16}: {hit}/{len(lines)} lines matched whole ({hit / len(lines):.1%})")


def main() -> None:
    rule_coverage()
    from bench.eval import eval_clean

    print("\neval-clean (boilerplate and provenance on a generated labelled corpus):")
    eval_clean.main([])

    print("\neval-html (our HTML path vs bare trafilatura on the article-extraction benchmark):")
    from bench.eval import eval_html  # issue 4: the HTML path on the article-extraction benchmark

    eval_html.main(["--quiet"])

    print("\neval-meta (metadata on real pages vs bare trafilatura, characters kept):")
    from bench.eval import eval_meta  # the metadata issue

    eval_meta.main(["--quiet"])

    print("\neval-dedup (near-duplicate clusters and originals on a generated labelled corpus, datasketch side by side):")
    from bench.eval import eval_dedup  # issue 5

    eval_dedup.main([])

    from bench.eval import eval_story  # the dedup stage's story block on real pages

    eval_story.main([])

    print("\neval-real (the whole pipeline on real scraped pages per labelled segment, held-out sites, baselines side by side):")
    from bench.eval import eval_real  # the segment classifier issue

    eval_real.main([])


if __name__ == "__main__":
    main()
