"""Every boilerplate line of the reference families the rules were written from is recognised
(skipped when ../shared is not beside the project; the held-out quarter is scored by make eval-clean)."""

import pytest
from wirestrip.transforms.clean.rules import load_rules

from bench.shared import SHARED

REF = SHARED / "reference"


@pytest.mark.skipif(not (REF / "disclaimers.tsv").exists(), reason="../shared/reference is not beside the project")
def test_rule_writing_families_are_covered():
    import random

    from bench.corpora.cleangen import _fill, load_reference

    rules = load_rules()
    rng = random.Random(1)
    missed = []
    for ref in load_reference(REF):
        if ref.holdout or ref.role == "dateline":
            continue
        parts = [p.strip() for p in ref.text.split(" / ")] if ref.junk_file and " / " in ref.text else [ref.text]
        for part in (q for p in parts for q in _fill(rng, p).split("\\n")):
            if "Post" in part:  # "Previous Post ... Next Post ...": '...' stands for a post title
                part = part.replace("...", "Harbour talks resume")
            if not rules.match_line(part.strip()):
                missed.append(f"{ref.family}: {part}")
    assert missed == [], missed
