"""Sentiment quality on the hand-labelled finance set (tests/nlp/data): the platform's default
backend against plain VADER, on the development and the held-out halves. Prints accuracy,
macro-F1 and the sign-flip rate; with ``-v`` also every item the platform gets wrong on dev."""

import sys
from pathlib import Path

from _harness import setup_django

DATA = Path(__file__).resolve().parent.parent / "tests" / "nlp" / "data"


def main() -> None:
    import django

    django.setup()
    from apps.nlp import backends
    from apps.nlp.engine.evaluation import evaluate, read_labelled, vader_labels

    backend = backends.sentiment_backend()

    def platform_labels(texts: list[str]) -> list[str]:
        return [score.label for score in backend.score_texts(texts)]

    print(f"platform backend: {backend.name} ({backend.model})")
    print(f"{'set':<9} {'items':>5}  {'path':<9} {'accuracy':>8} {'macro-F1':>8} {'sign flips':>12}")
    for half in ("dev", "heldout"):
        items = read_labelled(DATA / f"sentiment_{half}.tsv")
        for name, predict in (("vader", vader_labels), ("platform", platform_labels)):
            s = evaluate(predict, items)
            print(
                f"{half:<9} {s.count:>5}  {name:<9} {s.accuracy:>8.3f} {s.macro_f1:>8.3f} "
                f"{s.sign_flips:>4} ({s.sign_flip_rate:.1%})"
            )
    if "-v" in sys.argv:
        items = read_labelled(DATA / "sentiment_dev.tsv")
        labels = platform_labels([text for _, text in items])
        for (gold, text), got in zip(items, labels, strict=True):
            if gold != got:
                print(f"  dev: {gold} → {got}: {text}")


if __name__ == "__main__":
    setup_django()
    main()
