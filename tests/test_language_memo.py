"""The language guess of a sample seen lately is reused (a dump holds the same story many times), and the memo is bounded."""

from wirestrip.transforms.read import language

TEXT = "The harbour will reopen on Monday after repairs to the main quay were finished, officials said on Friday."


def test_a_repeated_sample_is_classified_once_and_the_memo_stays_bounded(monkeypatch):
    calls = []
    real = language._identifier()

    class Counting:
        def classify(self, text):
            calls.append(text)
            return real.classify(text)

    monkeypatch.setattr(language, "_identifier", lambda: Counting())
    monkeypatch.setattr(language._local, "memo", None, raising=False)
    monkeypatch.setattr(language, "MEMO_SAMPLES", 3)
    first = language.detect_language([TEXT])
    assert first == "en" and language.detect_language([TEXT]) == first and len(calls) == 1
    for n in range(5):
        language.detect_language([f"{TEXT} Story number {n} of the day."])
    assert len(language._local.memo) == 3  # the oldest samples left
    language.detect_language([TEXT])
    assert len(calls) == 7  # evicted, so classified again
