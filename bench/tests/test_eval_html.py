"""The article-extraction metric used by `make eval-html`, on hand-computed pages."""

import pytest

from bench.eval.eval_html import page_counts, score


def test_metric_matches_a_hand_computed_page():
    true = "a b c d e f"  # shingles: abcd bcde cdef
    pred = "a b c d e x y"  # shingles: abcd bcde cdex dexy
    tp, fp, fn = page_counts(true, pred)
    assert (round(tp * 5), round(fp * 5), round(fn * 5)) == (2, 2, 1)
    p, r, f1 = score([(tp, fp, fn), page_counts("", "only predicted words here"), page_counts("w x y z", "")])
    # the second page has no true shingles (left out of recall), the third no predicted ones (out of precision)
    assert p == pytest.approx((0.5 + 0.0) / 2) and r == pytest.approx((2 / 3 + 0.0) / 2)
    assert f1 == pytest.approx(2 * p * r / (p + r))
