"""The dedup evaluation's own correctness: its metrics on hand-worked examples (and against a
pair-by-pair reference), and the labelled corpus generator's determinism and label hygiene."""

from __future__ import annotations

import json
import random
from itertools import combinations
from pathlib import Path

import pytest

from bench.corpora.dedup_corpus import BBCArticle, dedup_bbc, edit_words, exact_key, generate, structure, write
from bench.eval.eval_dedup import UnionFind, adjusted_rand_index, bcubed, datasketch_clusters, pair_counts, pairwise_prf, quantiles


def _ari_by_pairs(truth, pred) -> float:
    """Reference ARI from the pair confusion matrix, enumerating every pair (scikit-learn's form)."""
    tp = fp = fn = tn = 0
    for i, j in combinations(range(len(truth)), 2):
        same_t, same_p = truth[i] == truth[j], pred[i] == pred[j]
        tp += same_t and same_p
        fp += same_p and not same_t
        fn += same_t and not same_p
        tn += not same_t and not same_p
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def test_ari_hand_worked():
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], ["b", "b", "a", "a"]) == 1.0  # label names do not matter
    # contingency {(0,0):2, (1,1):1, (1,2):1}: index 1, expected 2*1/6, max 1.5 -> (2/3)/(7/6) = 4/7
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)
    # index 0, expected 2*2/6, max 2 -> -0.5: worse than chance
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert adjusted_rand_index([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0  # all singletons on both sides
    assert adjusted_rand_index([1, 1, 1], [1, 1, 1]) == 1.0
    assert adjusted_rand_index([1, 1, 1, 1], [1, 2, 3, 4]) == 0.0  # one cluster vs all singletons: chance


def test_ari_equals_pair_enumeration_on_random_labelings():
    rng = random.Random(5)
    for _ in range(200):
        n = rng.randint(2, 25)
        truth = [rng.randint(0, rng.randint(1, 6)) for _ in range(n)]
        pred = [rng.randint(0, rng.randint(1, 6)) for _ in range(n)]
        assert adjusted_rand_index(truth, pred) == pytest.approx(_ari_by_pairs(truth, pred), abs=1e-12)


def test_pairwise_hand_worked():
    truth, pred = ["a", "a", "a", "b"], ["x", "x", "y", "y"]
    # true pairs 01 02 12; predicted pairs 01 23; both: 01
    assert pair_counts(truth, pred) == (1, 2, 3)
    p, r, f = pairwise_prf(truth, pred)
    assert (p, r) == (0.5, pytest.approx(1 / 3))
    assert f == pytest.approx(0.4)
    assert pairwise_prf(truth, truth) == (1.0, 1.0, 1.0)
    assert pairwise_prf(["a", "b"], ["x", "y"]) == (1.0, 1.0, 1.0)  # no pair anywhere: nothing claimed, nothing missed
    assert pairwise_prf(["a", "a"], ["x", "y"])[1] == 0.0
    with pytest.raises(ValueError):
        pairwise_prf(["a"], ["x", "y"])


def test_bcubed_hand_worked():
    truth, pred = ["a", "a", "a", "b"], ["x", "x", "y", "y"]
    # per document precision 1, 1, 1/2, 1/2; recall 2/3, 2/3, 1/3, 1
    p, r, f = bcubed(truth, pred)
    assert p == pytest.approx(0.75)
    assert r == pytest.approx(2 / 3)
    assert f == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    assert bcubed(truth, truth) == (1.0, 1.0, 1.0)
    # everything in one cluster: precision = sum over true clusters of (size/n)^2
    p, r, _ = bcubed(["a", "a", "b", "c"], [1, 1, 1, 1])
    assert (p, r) == (pytest.approx((4 + 1 + 1) / 16), 1.0)


def test_union_find_and_quantiles():
    uf = UnionFind(["d", "c", "b", "a"])
    uf.union("d", "c")
    uf.union("c", "a")
    assert uf.labels(["a", "b", "c", "d"]) == ["a", "b", "a", "a"]  # the smallest key is the root
    assert quantiles([3.0, 1.0, 2.0], (0.5, 0.0, 1.0)) == [2.0, 1.0, 3.0]


def test_datasketch_baseline_joins_shared_sets_only():
    pytest.importorskip("datasketch")
    base = list(range(1000, 1200))
    hashes = [base, [*base[:190], 1, 2, 3], list(range(5000, 5200)), []]
    pred = datasketch_clusters(["a", "b", "c", "d"], hashes, 128, 32, 4, None)
    assert pred[0] == pred[1] and pred[2] != pred[0] and pred[3] not in (pred[0], pred[2])


def test_bbc_self_dedup_drops_exact_and_near_copies():
    words = [f"w{i}" for i in range(200)]
    other = [f"z{i}" for i in range(200)]
    arts = [
        BBCArticle("a/001", "t", (" ".join(words),)),
        BBCArticle("a/002", "t", (" ".join(words).upper() + " !",)),  # exact after folding case and punctuation
        BBCArticle("a/003", "t", (" ".join(words[:120] + other[:50]),)),  # shares most of its 5-grams with 001
        BBCArticle("a/004", "t", (" ".join(other[100:]),)),
    ]
    assert exact_key("A b, C") == exact_key("a  B c")
    kept, exact, near = dedup_bbc(arts)
    assert [a.sid for a in kept] == ["a/001", "a/004"]
    assert (exact, near) == (1, 1)


def test_edit_and_structure_are_seeded():
    text = " ".join(f"word{i} said" for i in range(300))
    assert edit_words(random.Random(1), text, 0.0) == text
    a, b = edit_words(random.Random(1), text, 0.03), edit_words(random.Random(1), text, 0.03)
    assert a == b and a != text
    changed = sum(x != y for x, y in zip(text.split(), a.split(), strict=False))
    assert changed > 0
    paras = [f"paragraph {i}" for i in range(10)]
    for seed in range(30):
        out, kind = structure(random.Random(seed), paras)
        assert out[0] == paras[0] and len(out) >= 1
        if kind.startswith("teaser"):
            assert out == paras[: int(kind[-1])]
        elif kind.startswith("trim") and "+" not in kind:
            assert 1 <= len(out) < len(paras) and out == paras[: len(out)]


def _fake_shared(root: Path) -> Path:
    """A tiny ../shared of our own words: 30 articles in 2 topics and a few reference lines."""
    for n in range(30):
        topic = "business" if n % 2 else "sport"
        folder = root / "corpora" / "bbc" / topic
        folder.mkdir(parents=True, exist_ok=True)
        paras = [" ".join(f"{topic}{n}x{p}y{w}" for w in range(40)) for p in range(5)]
        (folder / f"{n:03d}.txt").write_text(f"Title {n}\n\n" + "\n\n".join(paras) + "\n", encoding="latin-1")
    ref = root / "reference"
    ref.mkdir(parents=True)
    (ref / "disclaimers.tsv").write_text(
        "family\texact_text\tprovenance_revealed\n"
        "Example syndication\t(This story was published from a syndicated feed by Example News.)\trepublisher=Example News\n"
        "Example copyright\tCopyright 2020 Example Agency. All rights reserved.\tagency=Example Agency\n"
        "Example sign-off\t(Reporting by A. Writer; Editing by B. Editor)\tagency=Example Agency\n",
        encoding="utf-8",
    )
    (ref / "junk_lines.tsv").write_text(
        "family\texact_text\nsocial\tShare this:\nads\tAdvertisement\nread more\tRead More\nnewsletter\tSign up for our newsletter\n",
        encoding="utf-8",
    )
    return root


def test_corpus_is_deterministic_and_labels_do_not_leak(tmp_path):
    shared = _fake_shared(tmp_path / "shared")
    a = generate(shared, stories=8, negatives=10, seed=3)
    b = generate(shared, stories=8, negatives=10, seed=3)
    assert [d.record() for d in a.docs] == [d.record() for d in b.docs]
    assert [d.record() for d in generate(shared, 8, 10, seed=4).docs] != [d.record() for d in a.docs]
    assert a.stories == 8 and a.negatives == 10
    urls = [d.url for d in a.docs]
    assert len(set(urls)) == len(urls)
    for d in a.docs:
        rec = json.dumps(d.record())
        assert d.story not in rec and d.story.replace("/", "_") not in rec  # no label in what the pipeline reads
    for story in {d.story for d in a.docs if d.role == "original"}:
        members = [d for d in a.docs if d.story == story]
        orig = next(d for d in members if d.role == "original")
        assert len(members) >= 2
        assert all(d.published_at > orig.published_at for d in members if d is not orig)  # the original is the earliest
    negatives = [d for d in a.docs if d.role == "negative"]
    assert len({d.story for d in negatives}) == len(negatives)  # singletons
    files, labels = write(a, tmp_path / "input")
    lines = [json.loads(ln) for f in files for ln in f.read_text().splitlines()]
    assert sorted(r["url"] for r in lines) == sorted(urls)
    assert set(json.loads(labels.read_text())) == set(urls)


def test_edit_kinds_group_copies_for_recall():
    from bench.eval.eval_dedup import edit_kinds

    assert edit_kinds(["trim0.31+context", "words0.020", "headline"]) == ["trim 30-50%", "context added", "words", "headline"]
    assert edit_kinds(["trim0.05"]) == ["trim 5-30%"]
    assert edit_kinds(["trim0.70"]) == ["trim 50-70%"]
    assert edit_kinds(["teaser1", "lead_new_top"]) == ["teaser1", "lead_new_top"]


def test_bench_rows_are_deterministic_and_complete():
    from bench.perf.dedup_bench import shard_rows

    pool = [f"Sentence number {i} says something about topic {i % 7}." for i in range(500)]
    a, b = list(shard_rows(pool, 3, 200)), list(shard_rows(pool, 3, 200))
    assert len(a) == 200 and a == b
    assert len({r["doc_id"] for r in a}) == 200
    assert list(shard_rows(pool, 4, 200)) != a  # shards differ
    copies = [r for r in a if not r["locator"].endswith("copy=0")]
    assert 0 < len(copies) < len(a)
    for r in copies:  # a copy is published after its original
        story = r["locator"].split(";")[0]
        orig = next(o for o in a if o["locator"] == f"{story};copy=0")
        assert r["published_at"] >= orig["published_at"]
