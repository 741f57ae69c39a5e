"""Near-duplicate fingerprints of a clean body: word shingles, MinHash, LSH band keys, SimHash.

Pure functions, numpy-vectorised; Beam wrappers live in transforms/dedup/beam_dedup.py.

- Shingles: word k-grams of the *normalised* text (transforms/normalize.py, the normalisation
  behind content_hash), words being runs of `\\w` (punctuation is dropped: copies re-punctuate).
  Every word is hashed once with xxh3-64 (bytes, fixed seed); a k-gram's hash combines its words'
  hashes with odd multipliers and a splitmix64 finaliser, vectorised over the text.
- MinHash: `num_perm` hash functions h_i(x) = (a_i * x + b_i) mod 2^64 (a_i odd: a bijection of
  uint64), the signature keeps the top 32 bits of each minimum (uint32). The shingle hashes are
  already uniform (xxh3 + finaliser), so this multiply-add family behaves as min-wise independent
  permutations in practice; a_i, b_i come from a fixed-seed generator, so signatures are stable
  across runs, machines and Python versions.
- LSH: `bands` x `rows` of the signature, each band hashed with its index into one int64 key; plus
  "lead" keys: a small MinHash of each of the first `lead_windows` windows of `lead_words` words,
  `lead_bands` x `lead_rows`, so a teaser (the first one or two paragraphs) meets its full story.
- SimHash: 64-bit, over the same shingle hashes, unweighted; bit-cast to signed int64.
- Exact verification reads the shingle sequence kept with each document: the low 32 bits of each
  hash (SHINGLE_DTYPE). Two different shingles of a pair share them with odds of about n*m / 2^32
  (~4e-5 for two 400-shingle stories), far below any threshold's resolution, and the sequences that
  every shuffle of dedup carries are half as big (docs/runners.md: the stages that set the peak).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import xxhash
from wirestrip.transforms.normalize import NORMALIZATION_VERSION, fold_typography

FINGERPRINT_VERSION = "f5"  # bump when any function below (or story.py, facts.py) can give another value for the same input; f2: the story text is fingerprinted; f3: a site's repeated prose paragraphs left out; f4: a page's story block must look like one, company forms are no names; f5: the first story-like block, not the largest; lists of repeated titles are no story; "p.m." ends no sentence; paragraphs repeated in the block count once
_WORD = re.compile(r"\w+")
_WORD_SEED = 0x5EED_0001  # xxh3 seed of word hashes
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
SHINGLE_DTYPE = "<u4"  # the stored shingle sequence: low 32 bits of each hash (module docstring)
# Odd multipliers combining the k words of a shingle (position matters: "a b c" != "c b a").
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)


def option(default: Any, name: str, help: str, choices: tuple[str, ...] | None = None) -> Any:
    """A DedupParams field that is also a `wirestrip run` option called --NAME (pipeline/options.py
    generates it: this default, this help text, these choices)."""
    meta = {"option": name, "help": help, **({"choices": choices} if choices else {})}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DedupParams:
    """Every setting of near-duplicate detection; recorded in the cross-batch index (a run whose
    fingerprint settings differ from its index's fails). One-line reasons; evaluation in docs/dedup.md.
    A field declared with `option(...)` is also a `wirestrip run` option."""

    # word 3-grams: short enough that trimmed/edited copies keep most shingles
    shingle_size: int = option(3, "dedup_shingle_size", "Words per shingle.")
    # estimate error of Jaccard ~ sqrt(J(1-J)/128) <= 0.045; 32 bands x 4 rows
    num_perm: int = option(128, "dedup_num_perm", "MinHash permutations.")
    # 32 x 4: S-curve threshold (1/32)^(1/4) ~ 0.42 surfaces low-Jaccard (trimmed) copies
    bands: int = option(32, "dedup_bands", "LSH bands; bands x rows <= permutations (32 x 4 rows: candidate threshold ~0.42 Jaccard).")
    rows: int = option(4, "dedup_rows", "Signature rows per LSH band.")
    seed: int = 20251126  # fixed: the same text always has the same signature
    # shorter texts (< 12 words) stay out of LSH: stock lines make hot keys and glue stories
    min_shingles: int = option(10, "dedup_min_shingles", "Texts with fewer shingles stay out of LSH (exact duplicates still cluster).")
    # an edge when Jaccard >= 0.5 (re-edited copies of one story) ...
    jaccard_threshold: float = option(0.5, "dedup_jaccard", "Two copies when the Jaccard similarity reaches this...")
    # ... or >= 60% of the shorter copy's shingles are in the longer one ...
    containment_threshold: float = option(
        0.6, "dedup_containment", "...or when this share of the shorter copy's shingles is in the longer one..."
    )
    # ... and they share >= 20 shingles: a one-line teaser cannot glue stories ...
    min_shared_shingles: int = option(
        20, "dedup_min_shared", "...with at least this many shared shingles (a one-line teaser cannot glue stories)."
    )
    # ... unless >= 90% of a short copy (a lead-sentence teaser) is in the other ...
    short_containment: float = option(
        0.9, "dedup_short_containment", "...or when this share of a short copy (a lead-sentence teaser) is in the other..."
    )
    # ... with >= 10 shared shingles (a whole 12-word sentence, not a stock phrase)
    short_min_shared: int = option(10, "dedup_short_min_shared", "...with at least this many shared shingles.")
    # Exact mode: copies differ in blocks (trimmed, teased, a rewritten lead) and by rare word edits;
    # same-template posts differ every few words (city, price, date slots). Gaps = runs of the shorter
    # text's shingles missing from the other, the first one free (a trimmed tail, a teaser's end).
    # Copies with 1-3% word edits on both sides measure <= 0.06; more than 0.08 per shingle (a changed
    # slot every ~12 words) is a template, not a copy.
    max_gap_rate: float = option(
        0.08,
        "dedup_max_gap_rate",
        "Exact mode: no edge when runs of missing shingles (beyond two) per shingle of the shorter text exceed this: same-template posts differ every few words, copies in blocks.",
    )
    lead_words: int = 30  # lead keys: windows of 30 words (about one wire lead paragraph)
    lead_windows: int = 2  # the first two windows: a teaser of one or two paragraphs
    lead_bands: int = 8  # 8 x 2 on a window: 90% chance of a candidate at window Jaccard 0.5
    lead_rows: int = 2
    # a bucket with more docs (template text) yields a star to its minimum, not all pairs
    hot_bucket: int = option(
        100, "dedup_hot_bucket", "An LSH bucket with more docs yields a star to its smallest doc instead of all pairs."
    )
    # exact: Jaccard/containment on shingle sets; estimated: from signatures and sizes
    verify: str = option(
        "exact",
        "dedup_verify",
        "Verify LSH candidates and cluster members on shingle sets (exact) or from MinHash signatures and set sizes (estimated: less shuffle, Jaccard error ~0.04).",
        choices=("exact", "estimated"),
    )
    # large-star/small-star rounds unrolled; convergence is checked, never assumed
    max_rounds: int = option(
        12, "dedup_max_rounds", "Connected-components rounds unrolled in the graph; the run fails if they do not converge."
    )
    # Keys and edges shuffle as arrays/lists in this many groups, not one element each (each shuffled
    # element costs encoding, grouping and decoding); a group holds 1/shards of them. Results do not depend on it.
    shards: int = option(
        32,
        "dedup_shards",
        "LSH keys and graph edges are shuffled in this many groups (a group holds 1/shards of them); results do not depend on it. Raise it for runs of tens of millions of docs.",
    )
    normalization_version: str = NORMALIZATION_VERSION
    fingerprint_version: str = FINGERPRINT_VERSION

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows ({self.bands} x {self.rows}) exceeds num_perm ({self.num_perm})")
        if min(self.shingle_size, self.num_perm, self.bands, self.rows, self.lead_bands, self.lead_rows) < 1:
            raise ValueError("shingle size, permutations, bands and rows must be >= 1")
        if self.verify not in ("exact", "estimated"):
            raise ValueError(f"verify must be 'exact' or 'estimated', not {self.verify!r}")
        if not 0.0 < self.short_containment <= 1.0 or self.short_min_shared < 1:
            raise ValueError("short_containment must be in (0, 1] and short_min_shared >= 1")
        if not 0.0 <= self.max_gap_rate <= 1.0:
            raise ValueError("max_gap_rate must be between 0 and 1")
        if self.hot_bucket < 2 or self.max_rounds < 1 or self.shards < 1:
            raise ValueError("hot_bucket must be >= 2, max_rounds and shards >= 1")

    def as_dict(self) -> dict:
        return asdict(self)

    def fingerprint_settings(self) -> dict:
        """The settings that decide fingerprints and band keys: an index is only usable with equal ones."""
        keys = ("shingle_size", "num_perm", "bands", "rows", "seed", "lead_words", "lead_windows", "lead_bands", "lead_rows")
        d = {k: getattr(self, k) for k in keys}
        d.update(normalization_version=self.normalization_version, fingerprint_version=self.fingerprint_version)
        return d


@dataclass(frozen=True)
class Fingerprint:
    """A text's fingerprints: unique sorted shingle hashes, MinHash signature, lead signature, SimHash."""

    hashes: np.ndarray  # uint64, unique, sorted
    sequence: np.ndarray  # uint64, the shingle hashes in text order (repeats kept): positions of differences
    signature: np.ndarray  # uint32 (num_perm,)
    simhash: int  # signed int64
    size: int  # number of unique shingles
    lead_keys: tuple[int, ...] = field(default=())

    def keys(self, params: DedupParams) -> list[int]:
        """Every LSH key of the text (main bands, then lead windows), duplicates removed, order kept."""
        return list(dict.fromkeys([*band_keys(self.signature, params), *self.lead_keys]))


def _splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def words(text: str) -> list[str]:
    """The words (runs of \\w) of the normalised text. Whitespace collapsing does not change the
    words, and NFKC and the quote/dash folding are no-ops on ASCII, so ASCII text only needs
    lowercasing (its casefold): the same words as `normalise(text)`, about twice as fast."""
    if text.isascii():
        return _WORD.findall(text.lower())
    return _WORD.findall(fold_typography(text).casefold())


def word_hashes(ws: list[str]) -> np.ndarray:
    """uint64 xxh3 of each word, in order: what every fingerprint of a text is built from."""
    h = xxhash.xxh3_64_intdigest
    return np.fromiter((h(w.encode("utf-8", "surrogatepass"), _WORD_SEED) for w in ws), dtype=np.uint64, count=len(ws))


def _shingles_of_word_hashes(wh: np.ndarray, k: int) -> np.ndarray:
    """Unique sorted uint64 hashes of the k-grams of a word-hash sequence (one gram if fewer than k words)."""
    return _sorted_unique(gram_sequence(wh, k))


def gram_sequence(wh: np.ndarray, k: int) -> np.ndarray:
    """uint64 hashes of the k-grams in text order (one gram if fewer than k words)."""
    n = len(wh)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(k, n)
    m = n - k + 1
    with np.errstate(over="ignore"):
        acc = np.full(m, np.uint64(k), dtype=np.uint64)
        for j in range(k):
            acc = acc + wh[j : j + m] * _MIX[j % len(_MIX)]
            acc = acc ^ (acc >> np.uint64(29))
    return _splitmix(acc)


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """Unique uint64 hashes of the word k-grams of the normalised text (sorted)."""
    return _shingles_of_word_hashes(word_hashes(words(text)), k)


@lru_cache(maxsize=16)
def _perm_params(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the hash family: a odd so that x -> a*x+b is a bijection on uint64."""
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    return a.reshape(-1, 1), b.reshape(-1, 1)


_EMPTY_MIN = np.uint32(0xFFFFFFFF)
_CHUNK = 2048  # shingles per block: bounds the (num_perm x chunk) temporary to 2 MB


def _minhash(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    a, b = _perm_params(num_perm, seed)
    out = np.full(num_perm, _EMPTY_MIN, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), _CHUNK):
            values = np.multiply(a, hashes[None, start : start + _CHUNK])
            values += b
            # min commutes with the shift: shift only the num_perm minima, not every value
            mins = (values.min(axis=1) >> np.uint64(32)).astype(np.uint32)
            np.minimum(out, mins, out=out)
    return out


def minhash(hashes: np.ndarray, params: DedupParams) -> np.ndarray:
    """MinHash signature (num_perm,) uint32 of a set of uint64 shingle hashes; all 0xFFFFFFFF when empty."""
    return _minhash(np.asarray(hashes, dtype=np.uint64), params.num_perm, params.seed)


def _to_int64(u: int) -> int:
    """An unsigned 64-bit value bit-cast to signed int64 (Parquet/BigQuery have no uint64)."""
    return u - (1 << 64) if u >= (1 << 63) else u


@lru_cache(maxsize=16)
def _band_heads(tag: int, bands: int) -> tuple[bytes, ...]:
    """The 4-byte prefix of each band's hashed bytes: tag and band index, little-endian."""
    return tuple(tag.to_bytes(2, "little") + i.to_bytes(2, "little") for i in range(bands))


def _band_hashes(tag: int, values: np.ndarray, bands: int, rows: int, seed: int) -> list[int]:
    """xxh3-64 of (tag, band index, the band's `rows` uint32 values) for each band, bit-cast to int64.
    One bytes copy of the values, sliced per band (a numpy slice and copy per band cost twice as much)."""
    raw, width, h = np.ascontiguousarray(values, dtype="<u4").tobytes(), 4 * rows, xxhash.xxh3_64_intdigest
    return [_to_int64(h(head + raw[i * width : (i + 1) * width], seed)) for i, head in enumerate(_band_heads(tag, bands))]


def band_keys(signature: np.ndarray, params: DedupParams) -> list[int]:
    """One int64 key per band: xxh3-64 of (band index, the band's `rows` values); equal keys = equal bands."""
    return _band_hashes(1, signature, params.bands, params.rows, params.seed)


def _lead_keys(wh: np.ndarray, sequence: np.ndarray, params: DedupParams) -> tuple[int, ...]:
    """Lead keys of a text's word hashes and shingle sequence: for each of the first `lead_windows`
    windows of `lead_words` words, a MinHash of lead_bands x lead_rows values cut in bands. The
    window index is not in the key, so a copy that dropped or rewrote its first paragraph still
    meets the original's second window. A window's shingles are the sequence's shingles that start
    and end inside it (a shingle hashes only its own k words)."""
    perms, k = params.lead_bands * params.lead_rows, params.shingle_size
    keys: list[int] = []
    for w in range(params.lead_windows):
        start = w * params.lead_words
        size = min(params.lead_words, len(wh) - start)
        if size < min(params.lead_words, params.min_shingles + k - 1):
            break  # shorter than a text that enters LSH: a tail window this short would match stock lines
        if size >= k:
            sh = _sorted_unique(sequence[start : start + size - k + 1])
        else:  # windows shorter than a shingle (lead_words < shingle_size) hash one shorter gram
            sh = _shingles_of_word_hashes(wh[start : start + size], k)
        sig = _minhash(sh, perms, params.seed + 1)
        keys += _band_hashes(2, sig, params.lead_bands, params.lead_rows, params.seed)
    return tuple(dict.fromkeys(keys))


def simhash_of_hashes(hashes: np.ndarray) -> int:
    """64-bit SimHash (unweighted) of uint64 feature hashes, bit-cast to signed int64; 0 when empty."""
    if len(hashes) == 0:
        return 0
    bits = np.unpackbits(np.ascontiguousarray(hashes, dtype="<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    ones = bits.sum(axis=0, dtype=np.int64)  # (64,) bit i of the value = byte i//8, bit i%8
    majority = np.packbits(ones * 2 > len(hashes), bitorder="little")  # 8 bytes, bit i of the value first
    return int(majority.view("<i8")[0])  # the bit pattern read as signed int64 is the bit-cast


def simhash64(text: str, k: int = 3) -> int:
    """64-bit SimHash of the text's word k-gram hashes, bit-cast to signed int64 (as the schema stores it)."""
    return simhash_of_hashes(shingle_hashes(text, k))


def fingerprint(text: str, params: DedupParams) -> Fingerprint:
    """Every fingerprint of a clean body, from one tokenisation."""
    return fingerprint_of_word_hashes(word_hashes(words(text)), params)


def fingerprint_of_word_hashes(wh: np.ndarray, params: DedupParams) -> Fingerprint:
    """`fingerprint` of a text whose word hashes (word_hashes(words(text))) are already computed."""
    sequence = gram_sequence(wh, params.shingle_size)
    hashes = _sorted_unique(sequence)
    return Fingerprint(
        hashes=hashes,
        sequence=sequence,
        signature=_minhash(hashes, params.num_perm, params.seed),
        simhash=simhash_of_hashes(hashes),
        size=len(hashes),
        lead_keys=_lead_keys(wh, sequence, params),
    )


# --- verification of a candidate pair -----------------------------------------------------------


@dataclass(frozen=True, slots=True)  # slots: held decoded in shuffles (documents.DocFp)
class Overlap:
    """How two texts overlap: Jaccard, containment of the smaller set in the larger, shared shingles."""

    jaccard: float
    containment: float
    shared: int
    method: str  # exact | estimated
    gap_rate: float = 0.0  # runs of the smaller text's shingles missing from the other, per shingle (exact only)
    fact_mismatch: bool = False  # two short texts state different names or figures (facts.py): never a copy
    lead_shared: float = 1.0  # share of either text's first LEAD_SHINGLES shingles found in the other, the larger (exact only)
    facts_checked: bool = False  # two short texts passed the fact check (facts.py): it, not the gap rule, is their template guard
    order: float = 1.0  # share of the smaller text's shared shingles in the other's order (shared_order; containment edges, exact only)


def _sorted_unique(seq: np.ndarray) -> np.ndarray:
    """np.unique without its Python-level overhead (a third of its time on a few hundred values)."""
    s = np.sort(seq)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Boolean mask: which of `values` are in `sorted_set` (sorted, unique, non-empty)."""
    pos = np.searchsorted(sorted_set, values)
    pos[pos == len(sorted_set)] = 0
    return sorted_set[pos] == values


def exact_overlap(a: np.ndarray, b: np.ndarray) -> Overlap:
    """Exact measures on two sorted unique shingle-hash arrays (the smaller searched in the larger)."""
    if len(a) == 0 or len(b) == 0:
        return Overlap(0.0, 0.0, 0, "exact")
    small, other = (a, b) if len(a) <= len(b) else (b, a)
    shared = int(np.count_nonzero(_member(small, other)))
    union = len(a) + len(b) - shared
    return Overlap(shared / union, shared / len(small), shared, "exact")


_FREE_GAPS = 1  # a copy's one block difference: a trimmed tail, a teaser's end
LEAD_SHINGLES = 20  # the smaller text's lead: its first sentence or two (~22 words)
MIN_LEAD_SHARED = (
    0.6  # a containment edge needs more than half of one text's lead in the other: real copies 0.75-1.0, a reused clause 0.55 (see is_edge)
)
MIN_ORDER = 0.85  # a trim or update keeps the shared text in its order (real copies: >= 0.91); a follow-up reshuffles the background it reuses (0.78)


def sequence_overlap(seq_a: np.ndarray, seq_b: np.ndarray) -> Overlap:
    """Exact measures on two shingle sequences (text order), plus the gap rate: maximal runs of the
    smaller text's shingles that are missing from the other, less one, divided by its shingle count."""
    ua, ub = _sorted_unique(seq_a), _sorted_unique(seq_b)
    o = exact_overlap(ua, ub)
    if o.shared == 0:
        return o
    small, other = (seq_a, ub) if len(ua) <= len(ub) else (seq_b, ua)
    missing = ~_member(small, other)  # binary search: ~3x faster than np.isin on a few hundred values
    gaps = int(missing[0]) + int(np.count_nonzero(missing[1:] & ~missing[:-1]))
    # Either lead inside the other text: a trim keeps the original's lead, an updated copy puts a new
    # top over the original's lead; a follow-up has its own lead and reuses background further down.
    big, small_set = (seq_b, ua) if small is seq_a else (seq_a, ub)
    lead = max(float(np.mean(~missing[:LEAD_SHINGLES])), float(np.mean(_member(big[:LEAD_SHINGLES], small_set))))
    return Overlap(o.jaccard, o.containment, o.shared, "exact", max(0, gaps - _FREE_GAPS) / len(small), lead_shared=lead)


def shared_order(seq_a: np.ndarray, seq_b: np.ndarray) -> float:
    """How much of the shared text keeps its order: of the smaller text's shingles found in the other
    (in text order), the share in the longest run whose first positions in the other increase
    (a longest increasing subsequence). 1.0 for a trim or a copy; lower when shared paragraphs sit
    in another order. O(n log n); only asked for containment edges (see verify)."""
    small, big = (seq_a, seq_b) if len(_sorted_unique(seq_a)) <= len(_sorted_unique(seq_b)) else (seq_b, seq_a)
    if len(small) == 0 or len(big) == 0:
        return 1.0
    order = np.argsort(big, kind="stable")  # stable: equal hashes keep text order, so the first is their first position
    keys = big[order]
    idx = np.searchsorted(keys, small)
    idx[idx == len(keys)] = 0
    found = keys[idx] == small
    if not found.any():
        return 1.0
    positions = order[idx[found]].tolist()
    tails: list[int] = []
    for x in positions:
        i = bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails) / len(positions)


def estimated_overlap(sig_a: np.ndarray, sig_b: np.ndarray, size_a: int, size_b: int) -> Overlap:
    """Measures estimated from two signatures and set sizes: J = share of equal minima,
    |A n B| = J (|A| + |B|) / (1 + J), containment = |A n B| / min(|A|, |B|)."""
    if size_a == 0 or size_b == 0:
        return Overlap(0.0, 0.0, 0, "estimated")
    j = float(np.mean(np.asarray(sig_a) == np.asarray(sig_b)))
    inter = min(j * (size_a + size_b) / (1.0 + j), float(min(size_a, size_b)))
    return Overlap(j, inter / min(size_a, size_b), round(inter), "estimated")


def rejection(o: Overlap, params: DedupParams) -> str | None:
    """None when the overlap makes two texts copies of one story, else why not: `no_overlap`;
    `template` (differences spread like a template's slots, exact mode); `fact_mismatch` (two short
    texts naming different things or figures, facts.py); `too_little` (Jaccard under the threshold
    and the shorter not enough inside the longer); `lead_missing` (enough inside, but neither text's
    lead is in the other: a follow-up reusing background paragraphs, not a trim or an update);
    `out_of_order` (enough inside, but the shared text sits in another order: reused paragraphs).
    The gap rule does not apply to two short texts that passed the fact check (`facts_checked`)."""
    if o.shared < 1:
        return "no_overlap"
    # Two short texts that passed the fact check: a gap costs 1/size of a ~40-shingle table (a renamed or
    # dropped line is 2-3 gaps), and the fact check already tells a template's slots from a correction.
    if o.gap_rate > params.max_gap_rate and not o.facts_checked:
        return "template"
    if o.fact_mismatch:
        return "fact_mismatch"
    if o.jaccard >= params.jaccard_threshold:
        return None
    inside = (o.containment >= params.containment_threshold and o.shared >= params.min_shared_shingles) or (
        o.containment >= params.short_containment and o.shared >= params.short_min_shared
    )
    if not inside:
        return "too_little"
    if o.lead_shared < MIN_LEAD_SHARED:
        return "lead_missing"
    return "out_of_order" if o.order < MIN_ORDER else None


def is_edge(o: Overlap, params: DedupParams) -> bool:
    """Two copies of one story: Jaccard over the threshold, or the shorter mostly inside the longer
    with enough shared shingles that a one-line teaser cannot glue two stories together (or a short
    copy almost wholly inside: a lead-sentence teaser) and one text's lead inside the other; never
    when differences are spread like a template's slots (exact mode), nor between short texts that
    state different facts. See `rejection` for the reasons."""
    return rejection(o, params) is None
