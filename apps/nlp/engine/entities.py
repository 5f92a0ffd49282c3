"""Named entities with character offsets, and subject–verb–object relations from the dependency parse."""

from collections.abc import Iterable, Iterator
from contextlib import nullcontext

from .loader import get_model

SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
OBJECTS = {"dobj", "attr", "oprd", "dative"}


# Objects that are when, not what: left out of relations unless asked for.
TIME_LABELS = {"DATE", "TIME"}
# Company-name endings: a capitalised name ending in one of these is an organisation, whatever the
# statistical NER thinks ("Halvorsen Group" is not a person). Added as an entity ruler before "ner".
COMPANY_SUFFIXES = [
    "Inc", "Inc.", "Corp", "Corp.", "Corporation", "Ltd", "Ltd.", "Limited", "plc", "PLC", "LLC", "AG", "SA",
    "SE", "NV", "N.V.", "Group", "Holdings", "Bank", "Capital", "Partners", "Technologies", "Systems",
    "Airlines", "Motors", "Pharmaceuticals", "Energy", "Industries",
]  # fmt: skip
# Well-known companies the small pipeline mislabels (checked against en_core_web_sm 3.8.0).
KNOWN_COMPANIES = ["Activision Blizzard", "Activision", "Blizzard", "Nvidia", "Tesla", "Alphabet", "Meta"]


def add_company_ruler(nlp) -> None:
    if "entity_ruler" in nlp.pipe_names or "ner" not in nlp.pipe_names:
        return
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    patterns = [{"label": "ORG", "pattern": name} for name in KNOWN_COMPANIES]
    for size in (1, 2, 3):
        patterns.append(
            {
                "label": "ORG",
                "pattern": [
                    {"IS_TITLE": True, "IS_SENT_START": False} if k == 0 else {"IS_TITLE": True} for k in range(size)
                ]
                + [{"TEXT": {"IN": COMPANY_SUFFIXES}}],
            }
        )
        patterns.append(
            {
                "label": "ORG",
                "pattern": [{"IS_TITLE": True} for _ in range(size)] + [{"TEXT": {"IN": COMPANY_SUFFIXES}}],
            }
        )
    ruler.add_patterns(patterns)


def load_pipeline(name: str):
    """The spaCy pipeline installed as package ``name`` (loaded once per process), with the company ruler."""

    def build():
        import spacy

        nlp = spacy.load(name)
        add_company_ruler(nlp)
        return nlp

    return get_model(f"spacy:{name}", build)


def _phrase(token) -> str:
    """The noun phrase headed by ``token`` (its compounds, modifiers and determiners)."""
    keep = [
        t for t in token.subtree if t.dep_ not in {"relcl", "acl", "appos", "punct", "cc", "conj", "prep"} or t is token
    ]
    left = min(t.i for t in keep)
    right = max(t.i for t in keep)
    return token.doc[left : right + 1].text


def _verbs_of(verb):
    """The verb, the verbs it hands its subject to ("agreed to buy": buy) and its conjuncts."""
    yield verb
    for child in verb.children:
        if child.dep_ in {"xcomp", "conj"} and child.pos_ in {"VERB", "AUX"}:
            if child.dep_ == "conj" and any(c.dep_ in SUBJECTS for c in child.children):
                continue  # a conjunct with its own subject is found from that subject
            yield from _verbs_of(child)


def _is_time(token) -> bool:
    return token.ent_type_ in TIME_LABELS or any(
        t.ent_type_ in TIME_LABELS for t in token.subtree if t.dep_ == "compound"
    )


def _is_thing(token) -> bool:
    """An object worth a relation: an entity or the head of a noun chunk."""
    return token.pos_ in {"NOUN", "PROPN", "PRON", "NUM"} or bool(token.ent_type_)


def relations(doc, *, include_times: bool = False) -> list[dict]:
    """Subject–verb–object triples; objects are entities or noun chunks, never dates or times unless
    ``include_times``. Verbs are lemmas, with their preposition when the object hangs on one."""
    found = []
    for token in doc:
        if token.dep_ not in SUBJECTS or token.head.pos_ not in {"VERB", "AUX"}:
            continue
        objects = []
        for verb in _verbs_of(token.head):
            objects.extend((child, verb.lemma_) for child in verb.children if child.dep_ in OBJECTS)
            for prep in (child for child in verb.children if child.dep_ in {"prep", "agent"}):
                objects.extend(
                    (grandchild, f"{verb.lemma_} {prep.text.lower()}")
                    for grandchild in prep.children
                    if grandchild.dep_ == "pobj"
                )
        for obj, predicate in objects:
            if not _is_thing(obj) or (_is_time(obj) and not include_times):
                continue
            found.append(
                {
                    "subject": _phrase(token),
                    "verb": predicate,
                    "object": _phrase(obj),
                    "sentence": token.sent.text,
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
