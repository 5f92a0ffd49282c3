"""Scoring a sentiment backend against a labelled set: accuracy, macro-F1 and the sign-flip rate.

A *sign flip* is a positive item called negative or a negative one called positive: the error a
trader cannot accept (calling either neutral is a softer miss). Labelled sets are tab-separated
``label<TAB>text`` files with one header row (see ``tests/nlp/data/README.md``).
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LABELS = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class Scores:
    count: int
    accuracy: float
    macro_f1: float
    sign_flips: int

    @property
    def sign_flip_rate(self) -> float:
        return self.sign_flips / self.count if self.count else 0.0


def read_labelled(path: str | Path) -> list[tuple[str, str]]:
    """``[(label, text), …]`` from a labelled file; an unknown label is a ValueError naming its line."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    items = []
    for number, row in enumerate(rows[1:], start=2):
        label, text = row
        if label not in LABELS:
            raise ValueError(f"{path}:{number}: unknown label {label!r}")
        items.append((label, text))
    return items


def evaluate(predict: Callable[[list[str]], list[str]], items: list[tuple[str, str]]) -> Scores:
    """Run ``predict`` (texts → labels) over the items and score it."""
    from sklearn.metrics import accuracy_score, f1_score

    gold = [label for label, _ in items]
    predicted = predict([text for _, text in items])
    flips = sum({g, p} == {"positive", "negative"} for g, p in zip(gold, predicted, strict=True))
    return Scores(
        count=len(items),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0)),
        sign_flips=flips,
    )


def vader_labels(texts: list[str]) -> list[str]:
    """Plain VADER (its own lexicon, its usual ±0.05 thresholds): the baseline."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from .sentiment import label_for

    analyzer = SentimentIntensityAnalyzer()
    return [label_for(analyzer.polarity_scores(text)["compound"]) for text in texts]
