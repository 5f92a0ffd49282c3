"""Entities for 10,000 news-sized texts: the batch service (what an `nlp.batch` job runs) against raw
``nlp.pipe`` on the same texts, same pipeline, same process. Target: ≥ 0.8 of raw throughput."""

import time

from _harness import setup_django

COUNT = 10_000


def main() -> None:
    import django

    django.setup()
    from news_texts import news_texts

    from apps.core.models import Job
    from apps.nlp import backends, services

    texts = news_texts(COUNT)
    nlp = backends.spacy_pipeline()
    list(nlp.pipe(texts[:200]))  # warm up both paths alike
    print(
        f"{COUNT:,} texts, {sum(len(t.split()) for t in texts) / COUNT:.0f} words each on average, "
        f"pipeline {nlp.meta['name']}-{nlp.meta['version']}"
    )

    started = time.perf_counter()
    raw = [[(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in nlp.pipe(texts, batch_size=64)]
    raw_rate = COUNT / (time.perf_counter() - started)

    job = Job(
        kind="nlp.batch",
        params={"kind": "entities", "texts": texts, "options": {}, "backend": "spacy", "model": "bench"},
    )
    started = time.perf_counter()
    result = services.run_batch(job, lambda progress, message="": None)
    service_rate = COUNT / (time.perf_counter() - started)

    same = all(
        [(e["text"], e["label"], e["start"], e["end"]) for e in item["result"]["entities"]] == expected
        for item, expected in zip(result["items"], raw, strict=True)
    )
    print(f"  raw nlp.pipe (entities only)                       {raw_rate:>8,.0f} texts/s")
    print(f"  batch service (entities + relations, as the job)   {service_rate:>8,.0f} texts/s")
    print(f"  ratio service / raw: {service_rate / raw_rate:.2f} (target >= 0.80); same entities: {same}")


if __name__ == "__main__":
    assert setup_django  # the harness puts the project on sys.path
    main()
