"""Named entities with character offsets, and subject–verb–object relations from the dependency parse."""

from collections.abc import Iterable, Iterator
from contextlib import nullcontext

from .loader import get_model

SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
OBJECTS = {"dobj", "attr", "oprd", "dative"}


def load_pipeline(name: str):
    """The spaCy pipeline installed as package ``name`` (loaded once per process)."""

    def build():
        import spacy

        return spacy.load(name)

    return get_model(f"spacy:{name}", build)


def _phrase(token) -> str:
    """The noun phrase headed by ``token`` (its compounds, modifiers and determiners)."""
    keep = [
        t for t in token.subtree if t.dep_ not in {"relcl", "acl", "appos", "punct", "cc", "conj", "prep"} or t is token
    ]
    left = min(t.i for t in keep)
    right = max(t.i for t in keep)
    return token.doc[left : right + 1].text


def relations(doc) -> list[dict]:
    found = []
    for token in doc:
        if token.dep_ not in SUBJECTS or token.head.pos_ not in {"VERB", "AUX"}:
            continue
        verb = token.head
        objects = [(child, verb.lemma_) for child in verb.children if child.dep_ in OBJECTS]
        for prep in (child for child in verb.children if child.dep_ in {"prep", "agent"}):
            objects.extend(
                (grandchild, f"{verb.lemma_} {prep.text.lower()}")
                for grandchild in prep.children
                if grandchild.dep_ == "pobj"
            )
        for obj, predicate in objects:
            found.append(
                {
                    "subject": _phrase(token),
                    "verb": predicate,
                    "object": _phrase(obj),
                    "sentence": verb.sent.text,
                }
            )
    return found


def describe(doc) -> dict:
    return {
        "entities": [
            {"text": ent.text, "label": ent.label_, "start": ent.start_char, "end": ent.end_char} for ent in doc.ents
        ],
        "relations": relations(doc),
    }


def extract(nlp, text: str) -> dict:
    """One text, unbatched (interactive calls)."""
    with _zone(nlp):
        return describe(nlp(text))


def extract_many(nlp, texts: Iterable[str], *, batch_size: int = 64) -> Iterator[dict]:
    """Many texts through ``nlp.pipe`` (jobs). Results are plain dicts, safe beyond the memory zone."""
    with _zone(nlp):
        for doc in nlp.pipe(texts, batch_size=batch_size):
            yield describe(doc)


def _zone(nlp):
    # spaCy >= 3.8: strings interned while processing are freed at the end of the zone, so a
    # long-lived worker does not grow with every new word it sees.
    return nlp.memory_zone() if hasattr(nlp, "memory_zone") else nullcontext()
