"""Language of an article's text, offline: py3langid ships its model inside the package (no
download at run time). The identifier is per thread and built in DoFn.setup() via `setup()`."""

from __future__ import annotations

import threading
from collections import OrderedDict

MIN_CHARS = 40  # shorter texts give unreliable guesses: the page's declared language is kept then
MIN_PROBABILITY = 0.80  # below this the guess is not trusted: the declared language, else none
# Codes the identifier knows but no news dump is written in: Latin, Ancient Greek, Biblical Hebrew,
# Sanskrit (placeholder "Lorem ipsum" text reads as Latin), Volapük and Esperanto (what it says for
# tables of figures), and "no linguistic content". Such a guess gives the declared language or none.
NOT_NEWS_LANGUAGES = frozenset({"la", "grc", "hbo", "sa", "vo", "eo", "zxx"})
# ~80 words: the same language as 1,000 chars on all 181 pages of the multilingual extraction
# benchmark, at 56% of the cost (the cost grows with the sample)
SAMPLE_CHARS = 500
# A dump holds the same story many times (syndicated copies, re-sends): the guess of a sample seen
# lately is reused. 4,096 samples of <= 500 chars: ~2-4 MB per thread.
MEMO_SAMPLES = 4096
_local = threading.local()


def _identifier():
    ident = getattr(_local, "ident", None)
    if ident is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = _local.ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return ident


def setup() -> None:
    """Load this thread's model now (called from DoFn.setup())."""
    _identifier()


def _classify(text: str) -> tuple[str, float]:
    """The identifier's (code, probability) for a sample, from this thread's bounded memo when seen lately."""
    memo = getattr(_local, "memo", None)
    if memo is None:
        memo = _local.memo = OrderedDict()
    hit = memo.get(text)
    if hit is not None:
        memo.move_to_end(text)
        return hit
    lang, prob = _identifier().classify(text)
    hit = memo[text] = (str(lang), float(prob))
    if len(memo) > MEMO_SAMPLES:
        memo.popitem(last=False)
    return hit


def detect_language(paragraphs: list[str], declared: str | None = None) -> str | None:
    """ISO 639 code of the text; the declared code (or None) when the text is too short, the guess
    unsure (a short brief of figures: "Shr 45 cts vs 58 cts") or a language no news is written in."""
    text = "\n".join(paragraphs)[:SAMPLE_CHARS]
    if len(text.strip()) < MIN_CHARS:
        return declared
    lang, prob = _classify(text)
    if prob < MIN_PROBABILITY or lang in NOT_NEWS_LANGUAGES:
        return declared
    return str(lang)
