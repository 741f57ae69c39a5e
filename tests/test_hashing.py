"""Ids and the normalisation behind content_hash."""

from transforms.hashing import doc_id, raw_sha
from transforms.normalize import normalise
from transforms.rows import content_hash


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
