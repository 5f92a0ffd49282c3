"""Sentence boundaries with character offsets (spaCy's rule-based sentencizer: light and fast)."""

from dataclasses import dataclass

from .loader import get_model


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def _sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str) -> list[Sentence]:
    nlp = get_model("spacy:sentencizer", _sentencizer)
    doc = nlp.make_doc(text)
    doc = nlp.get_pipe("sentencizer")(doc)
    return [Sentence(s.text, s.start_char, s.end_char) for s in doc.sents if s.text.strip()]
