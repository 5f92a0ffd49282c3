"""News-sized texts for benchmarks: templated sentences about real companies, people and places.

They are synthetic (no news corpus ships in a package that may be installed here), sized like wire
stories' lead paragraphs (2–4 sentences, ~40–70 words), and varied enough that spaCy sees new
strings throughout.
"""

import random

COMPANIES = [
    "Apple",
    "Microsoft",
    "Alphabet",
    "Amazon",
    "Nvidia",
    "Tesla",
    "Meta Platforms",
    "JPMorgan Chase",
    "Exxon Mobil",
    "Pfizer",
    "Boeing",
    "Intel",
    "Walmart",
    "Goldman Sachs",
    "Toyota",
    "Siemens",
    "Nestle",
]
PEOPLE = [
    "Tim Cook",
    "Satya Nadella",
    "Sundar Pichai",
    "Andy Jassy",
    "Jensen Huang",
    "Mary Barra",
    "Jamie Dimon",
    "Lisa Su",
    "Jerome Powell",
    "Christine Lagarde",
    "Janet Yellen",
    "Warren Buffett",
]
PLACES = ["New York", "London", "Tokyo", "Frankfurt", "Shanghai", "Cupertino", "Seattle", "Paris", "Singapore"]
MOVES = ["rose", "fell", "jumped", "slipped", "surged", "tumbled", "edged higher", "plunged"]
EVENTS = [
    "quarterly earnings",
    "a new product launch",
    "a regulatory probe",
    "a $2 billion acquisition",
    "weaker guidance",
    "a share buyback",
    "a supply agreement",
    "job cuts",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def news_texts(count: int, *, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(count):
        company, other = rng.sample(COMPANIES, 2)
        person, place, day = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(DAYS)
        pct = f"{rng.uniform(0.3, 12):.1f}%"
        sentences = [
            f"Shares of {company} {rng.choice(MOVES)} {pct} on {day} after {rng.choice(EVENTS)}.",
            f"{person} told analysts in {place} that demand for the company's products remained strong.",
            f"The move followed a report that {other} was weighing {rng.choice(EVENTS)} "
            f"worth ${rng.randint(1, 90)} billion.",
            f"Trading volume was {rng.randint(2, 9)} times the 30-day average, "
            f"according to data compiled on story {i}.",
        ]
        texts.append(" ".join(sentences[: rng.randint(2, 4)]))
    return texts
