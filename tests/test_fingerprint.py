"""Fingerprints: shingles over the normalised text, MinHash/LSH keys, SimHash, pair verification."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wirestrip.transforms.dedup.fingerprint import (
    DedupParams,
    band_keys,
    estimated_overlap,
    exact_overlap,
    fingerprint,
    is_edge,
    minhash,
    sequence_overlap,
    shingle_hashes,
    simhash64,
    words,
)
from wirestrip.transforms.normalize import normalise

STORY = (
    "Ferry crews in Marseille stopped work on Friday over what their union called unsafe rosters, "
    "stranding thousands of travellers bound for Corsica at the start of the holiday weekend. "
    "The operator said it had offered talks and accused the union of breaking an agreement signed in March. "
    "Port officials said three crossings were cancelled and two more delayed into the night, "
    "while queues of cars stretched along the harbour road. The regional council urged both sides to meet "
    "before Monday, when the summer timetable begins and bookings double."
)


def test_words_equal_the_normalised_words_on_ascii_and_unicode():
    import re

    for text in (STORY, "“Curly” quotes—and dashes, ﬁne ligatures, ÉCOLE Straße", "tab\tand  NBSP\u00a0words"):
        assert words(text) == re.findall(r"\w+", normalise(text))


def test_shingles_ignore_typography_case_and_spacing():
    a = shingle_hashes(STORY, 3)
    b = shingle_hashes(STORY.upper().replace(" ", "  ").replace("'", "\u2019"), 3)
    assert a.dtype == np.uint64 and np.array_equal(a, b)
    assert np.all(np.diff(a.astype(object)) > 0)  # unique and sorted
    assert len(shingle_hashes("a b c d", 3)) == 2 and len(shingle_hashes("a b", 3)) == 1 and len(shingle_hashes("", 3)) == 0
    assert not np.array_equal(shingle_hashes("a b c", 3), shingle_hashes("c b a", 3))  # word order matters


def test_minhash_is_deterministic_and_estimates_jaccard():
    p = DedupParams()
    full = fingerprint(STORY, p)
    assert full.signature.shape == (128,) and full.signature.dtype == np.uint32
    assert np.array_equal(minhash(full.hashes, p), fingerprint(STORY, p).signature)
    trimmed = fingerprint(STORY[: STORY.index(" The operator")], p)  # trimmed at a sentence end
    exact = exact_overlap(full.hashes, trimmed.hashes)
    est = estimated_overlap(full.signature, trimmed.signature, full.size, trimmed.size)
    assert abs(est.jaccard - exact.jaccard) < 0.15 and exact.containment == 1.0
    assert est.containment > 0.8 and est.method == "estimated" and exact.method == "exact"
    other = DedupParams(seed=7)
    assert not np.array_equal(minhash(full.hashes, other), full.signature)


def test_band_keys_fold_the_band_index_and_match_equal_bands():
    p = DedupParams()
    sig = np.zeros(128, dtype=np.uint32)  # every band holds the same values
    keys = band_keys(sig, p)
    assert len(keys) == 32 and len(set(keys)) == 32  # band index folded in: no cross-band collisions
    assert all(-(1 << 63) <= k < (1 << 63) for k in keys)
    a, b = fingerprint(STORY, p), fingerprint(STORY + " One more closing line added by the site.", p)
    assert set(band_keys(a.signature, p)) & set(band_keys(b.signature, p))


def test_teaser_shares_lead_keys_with_its_story():
    p = DedupParams()
    teaser = STORY.split(". ")[0] + ". " + STORY.split(". ")[1] + "."
    full, short = fingerprint(STORY, p), fingerprint(teaser, p)
    assert set(short.lead_keys) & set(full.lead_keys)
    assert set(full.keys(p)) >= set(full.lead_keys)


def test_simhash_is_signed_int64_and_close_for_copies():
    s1, s2 = simhash64(STORY), simhash64(STORY.replace("Friday", "Saturday"))
    assert -(1 << 63) <= s1 < (1 << 63)
    assert bin((s1 ^ s2) & ((1 << 64) - 1)).count("1") < 16
    assert simhash64("") == 0


def test_edge_rule_teaser_needs_enough_shared_shingles():
    p = DedupParams()
    full = fingerprint(STORY, p)
    one_line = fingerprint("Ferry crews in Marseille stopped work on Friday.", p)  # contained, but tiny
    o = exact_overlap(one_line.hashes, full.hashes)
    assert o.containment == 1.0 and o.shared < p.min_shared_shingles and not is_edge(o, p)
    half = fingerprint(STORY[: len(STORY) * 2 // 3], p)
    assert is_edge(exact_overlap(half.hashes, full.hashes), p)


def test_params_validate_and_serialise():
    p = DedupParams()
    assert p.as_dict()["bands"] == 32 and p.fingerprint_settings()["normalization_version"] == "n1"
    with pytest.raises(ValueError):
        DedupParams(bands=64, rows=4)
    with pytest.raises(ValueError):
        DedupParams(verify="maybe")


def test_gap_rate_tells_template_posts_from_edited_copies():
    from wirestrip.transforms.dedup.fingerprint import sequence_overlap

    p = DedupParams()

    def post(city: str, price: str, day: str) -> str:
        return (
            f"Petrol is sold at Rs {price} per litre in {city} on {day}, while diesel costs more, according to the "
            f"latest notification for {city} dealers. The {city} rate on {day} includes the state tax of {city}, "
            f"and {city} residents can check the {day} price by text message with the {city} dealer code."
        )

    a, b = fingerprint(post("Delhi", "94.72", "Monday"), p), fingerprint(post("Pune", "103.44", "Friday"), p)
    template = sequence_overlap(a.sequence, b.sequence)
    assert template.gap_rate > p.max_gap_rate and not is_edge(template, p)
    edited = STORY.replace("thousands", "hundreds").replace("talks", "negotiations")  # two word edits
    copy = sequence_overlap(fingerprint(STORY, p).sequence, fingerprint(edited, p).sequence)
    assert 0 < copy.gap_rate <= 0.05 and is_edge(copy, p)


def _reference_overlap(seq_a: np.ndarray, seq_b: np.ndarray) -> tuple:
    """The measures as defined (numpy's set routines), for checking the binary-search version."""
    ua, ub = np.unique(seq_a), np.unique(seq_b)
    if len(ua) == 0 or len(ub) == 0:
        return 0.0, 0.0, 0, 0.0
    shared = int(np.intersect1d(ua, ub, assume_unique=True).size)
    if shared == 0:
        return 0.0, 0.0, 0, 0.0
    small, other = (seq_a, ub) if len(ua) <= len(ub) else (seq_b, ua)
    missing = ~np.isin(small, other)
    gaps = int(missing[0]) + int(np.count_nonzero(missing[1:] & ~missing[:-1]))
    return shared / (len(ua) + len(ub) - shared), shared / min(len(ua), len(ub)), shared, max(0, gaps - 1) / len(small)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=60), st.lists(st.integers(0, 12), max_size=60))
def test_sequence_overlap_equals_the_set_definition(a, b):
    """Jaccard, containment, shared count and gap rate, including repeats, empty and disjoint texts."""
    seq_a, seq_b = np.array(a, dtype=np.uint64) * np.uint64(2**61 - 1), np.array(b, dtype=np.uint64) * np.uint64(2**61 - 1)
    o = sequence_overlap(seq_a, seq_b)
    assert (o.jaccard, o.containment, o.shared, o.gap_rate) == pytest.approx(_reference_overlap(seq_a, seq_b))


def _reference_keys_and_simhash(text: str, p: DedupParams) -> tuple[list[int], int]:
    """The fingerprint's LSH keys and SimHash as first written (the definition; fingerprint() computes
    them faster and must give the same values: they are stored in the cross-batch index)."""
    import xxhash
    from wirestrip.transforms.dedup.fingerprint import _minhash, _shingles_of_word_hashes, word_hashes

    def band(tag: int, i: int, values: np.ndarray) -> int:
        v = xxhash.xxh3_64_intdigest(tag.to_bytes(2, "little") + i.to_bytes(2, "little") + values.tobytes(), p.seed)
        return v - (1 << 64) if v >= 1 << 63 else v

    wh = word_hashes(words(text))
    hashes = _shingles_of_word_hashes(wh, p.shingle_size)
    sig = _minhash(hashes, p.num_perm, p.seed)
    keys = [band(1, i, sig[i * p.rows : (i + 1) * p.rows]) for i in range(p.bands)]
    for w in range(p.lead_windows):
        window = wh[w * p.lead_words : (w + 1) * p.lead_words]
        if len(window) < min(p.lead_words, p.min_shingles + p.shingle_size - 1):
            break
        lead = _minhash(_shingles_of_word_hashes(window, p.shingle_size), p.lead_bands * p.lead_rows, p.seed + 1)
        keys += [band(2, i, lead[i * p.lead_rows : (i + 1) * p.lead_rows]) for i in range(p.lead_bands)]
    simhash = 0
    for bit in range(64):
        if sum(int(h) >> bit & 1 for h in hashes) * 2 > len(hashes):
            simhash |= 1 << bit
    return list(dict.fromkeys(keys)), (simhash - (1 << 64) if simhash >= 1 << 63 else simhash) if len(hashes) else 0


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from("ferry crews union port Corsica the a strike talks café “quoted” 12".split()), max_size=90),
    st.sampled_from(
        [DedupParams(), DedupParams(lead_words=12, lead_windows=3, lead_bands=4, lead_rows=3), DedupParams(lead_words=2, min_shingles=1)]
    ),
)
def test_fingerprint_keys_and_simhash_equal_their_definition(ws, p):
    fp = fingerprint(" ".join(ws), p)
    assert (fp.keys(p), fp.simhash) == _reference_keys_and_simhash(" ".join(ws), p)
