"""Ids and the normalisation behind content_hash."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.normalize import _FOLDS, fold_typography, normalise
from wirestrip.transforms.write.table_rows import content_hash


def test_doc_id_depends_on_relative_name_locator_and_bytes_only():
    sha = raw_sha(b"abc")
    a = doc_id("outlet/a.txt", "post=0;bytes=0-3", sha)
    assert a == doc_id("outlet/a.txt", "post=0;bytes=0-3", sha)
    assert a != doc_id("outlet/b.txt", "post=0;bytes=0-3", sha)
    assert a != doc_id("outlet/a.txt", "post=1;bytes=0-3", sha)
    assert a != doc_id("outlet/a.txt", "post=0;bytes=0-3", raw_sha(b"abd"))
    assert len(a) == 32


def test_normalisation_folds_typography_space_and_case():
    assert normalise("“It’s  here” — she said\u00ad.\n") == normalise('"it\'s here" - SHE said.')
    assert normalise("a b") != normalise("ab")


def test_content_hash_equal_for_typographic_copies():
    assert content_hash("Paris: “Yes,” he said.") == content_hash('Paris:  "yes," he said.')
    assert content_hash("Paris: yes") != content_hash("Paris: no")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ’‘“”—–‐\u00ad\u200b\ufeff«»`'\"-ﬁé\u0301")), max_size=40))
def test_fold_typography_is_the_documented_character_mapping(text):
    """content_hash n1 is defined by NFKC then this character mapping: the fast path must give the same string."""
    table = str.maketrans(_FOLDS)
    assert fold_typography(text) == unicodedata.normalize("NFKC", text).translate(table)
