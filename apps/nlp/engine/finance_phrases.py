"""Finance-aware phrase sentiment: what a move means depends on what moves.

Convention. A sentence is cut into clauses at contrast words; each clause is scored from *events*:

- a **directional word** (rise, fell, narrowed, cut, raised, accelerates…) takes the sign of the
  **quantity** it moves: up is good for revenue, profit, guidance, dividends, orders, shares; up is bad
  for costs, losses, unemployment, inflation, debt, defaults. "Unemployment falls" is good news,
  "profit fell" bad. Intransitive moves look for their subject before them ("costs soared"); moves
  a company makes look for their object after them first ("cut its dividend", "raised guidance").
  A move with no quantity in reach keeps its plain sign at a lower weight ("stocks rally" finds
  "stocks"; "collapsed" alone is still bad).
- **expectations**: beat / top / exceed / ahead of / above expectations, estimates, forecasts,
  consensus, guidance are good; miss / fall short / below / disappoint are bad; "in line with" and
  "matched" are neutral. When the sentence already moves a quantity, "more than expected" only
  strengthens that move (jobless claims rising more than expected is bad).
- **consequences** with their own sign (hurting, weighing on, squeezing, dashing; helping,
  supporting) count on their own.
- **negation** ("not", "no", "n't", "failed to", "never", "no longer") within three tokens before an
  event flips it; **contrast**: in "A but B" and "despite A, B" the clause B counts, A at a quarter.

What is left (words no event used) is scored by the general lexicon (VADER + Loughran–McDonald)
at a lower weight, and names of corporate and administrative acts (appoints, names, auction,
reshuffle, meeting…) carry no sentiment, so such news scores neutral. Scores are on VADER's
scale: the summed valence through VADER's normalisation to -1 … +1.
"""

import re
from dataclasses import dataclass

UP, DOWN = 1, -1


def _words(block: str) -> list[str]:
    return block.split()


# Directional words: every inflection listed (matching is on lowercase tokens).
_UP_WORDS = _words(
    """
rise rises rose risen rising grow grows grew grown growing increase increases increased increasing
climb climbs climbed climbing jump jumps jumped jumping surge surges surged surging soar soars
soared soaring spike spikes spiked spiking rebound rebounds rebounded rebounding recover recovers
recovered recovering gain gains gained gaining accelerate accelerates accelerated accelerating widen
widens widened widening expand expands expanded expanding swell swells swelled swollen balloon
balloons ballooned doubled tripled quadrupled double triple higher up rallied rally rallies rallying
advance advances advanced picked strengthen strengthens strengthened improve improves improved
improving bounced skyrocketed skyrockets outpaced outpacing mounted mount mounting hit-high upbeat
stabilised stabilized steadied larger bigger wider leap leaps leapt leaped rocketed zoomed
"""
)
_DOWN_WORDS = _words(
    """
fall falls fell fallen falling drop drops dropped dropping decline declines declined declining slide
slides slid sliding slump slumps slumped slumping plunge plunges plunged plunging tumble tumbles
tumbled tumbling sink sinks sank sunk sinking dip dips dipped dipping ease eases eased easing slow
slows slowed slowing narrow narrows narrowed narrowing shrink shrinks shrank shrunk shrinking
contract contracts contracted contracting retreat retreats retreated retreating slip slips slipped
slipping lower lowered lowers lowering down collapse collapses collapsed collapsing crash crashes
crashed halved subsided subside subsides cooled cool cools cooling weaken weakens weakened weakening
weak weaker deteriorated deteriorate worsen worsened faded fade fades deepened dried evaporated
smaller fewer narrower plummet plummets plummeted plummeting nosedived nosedive tanked tanks
cratered sagged sags sag
"""
)
# Moves someone makes to something (look after them first: "cut its dividend", "raised guidance").
_UP_ACTIONS = _words(
    """
raise raises raised raising lift lifts lifted lifting boost boosts boosted boosting hike hikes hiked
hiking add adds added adding
"""
)
_DOWN_ACTIONS = _words(
    """
cut cuts cutting reduce reduces reduced reducing trim trims trimmed trimming slash slashes slashed
slashing lower lowers lowered lowering halt halts halted halting paid repaid repay pays pay paying
wipe wipes wiped wiping removing removed remove
"""
)
# Plain sign when no quantity is in reach (weight below a full event).
_PLAIN_SIGN = {
    **dict.fromkeys(
        _words(
            """
soar soars soared soaring surge surges surged surging rally rallies rallied rallying jump jumps
jumped skyrocketed rebound rebounds rebounded rebounding recover recovers recovered recovering
bounced improve improves improved improving strengthen strengthens strengthened
"""
        ),
        1.0,
    ),
    **dict.fromkeys(
        _words(
            """
plunge plunges plunged plunging tumble tumbles tumbled tumbling slump slumps slumped slumping
collapse collapses collapsed collapsing crash crashes crashed sink sinks sank deteriorated worsen
worsened weaken weakens weakened weakening
"""
        ),
        -1.0,
    ),
}

# Quantities: +1 when up is good, -1 when up is bad. Multi-word ones first.
_GOOD_UP = _words(
    """
revenue revenues sales sale turnover profit profits profitability earnings eps income margin margins
guidance outlook forecast forecasts dividend dividends payout buyback orders order backlog exports
export output production demand growth gdp economy confidence sentiment shares share stock stocks
equities equity market markets index indices price-target targets target cash liquidity deposits
subscribers subscriber customers users productivity hiring jobs employment payrolls occupancy rents
rent inflows inflow spending investment investments valuation rating ratings bonds bond volumes
volume bookings traffic passengers tourism capacity currency yen euro dollar pound sterling rouble
yuan rupee franc copper gold bullion pmi manufacturing services activity recovery approval approvals
wages wage receipts returns return occupancy holdings assets reserves balance stability upgrade
upgrades miners mining airline airlines lenders banks homebuilders housing homes starts rally
"""
)
_BAD_UP = _words(
    """
cost costs expense expenses expenditure spending-costs loss losses unemployment jobless claims
layoffs layoff job-cuts inflation cpi prices price debt debts borrowing leverage deficit deficits
default defaults delinquencies delinquency bankruptcies bankruptcy insolvencies arrears writedown
writedowns impairment impairments charges charge provisions overruns overrun inventories inventory
stockpiles vacancies vacancy churn complaints outflows outflow redemptions withdrawals volatility
spreads spread tariffs tariff yields yield rates rate taxes tax fines fine penalties wages wage
selloff penalty pressure pressures fears fear worries worry concerns concern risk risks uncertainty
headwinds headwind shortages shortage strikes strike outages outage discounting discounts dilution
burn fares bills bill premiums
"""
)
_QUANTITY_PHRASES: dict[tuple[str, ...], int] = {
    ("jobless", "claims"): -1,
    ("unemployment", "claims"): -1,
    ("loan", "losses"): -1,
    ("net", "loss"): -1,
    ("interest", "costs"): -1,
    ("interest", "expenses"): -1,
    ("borrowing", "costs"): -1,
    ("credit", "spreads"): -1,
    ("mortgage", "rates"): -1,
    ("cash", "costs"): -1,
    ("labour", "costs"): -1,
    ("labor", "costs"): -1,
    ("wage", "growth"): 1,
    ("real", "wages"): 1,
    ("consumer", "prices"): -1,
    ("food", "prices"): -1,
    ("energy", "prices"): -1,
    ("petrol", "prices"): -1,
    ("gas", "prices"): -1,
    ("fuel", "prices"): -1,
    ("oil", "prices"): 0,  # good or bad depends on who holds what: the move's plain sign
    ("crude", "prices"): 0,
    ("house", "prices"): 1,
    ("housing", "prices"): 1,
    ("home", "prices"): 1,
    ("home", "sales"): 1,
    ("housing", "starts"): 1,
    ("bond", "prices"): 1,
    ("share", "price"): 1,
    ("stock", "price"): 1,
    ("copper", "prices"): 1,
    ("cash", "flow"): 1,
    ("free", "cash", "flow"): 1,
    ("price", "targets"): 1,
    ("price", "target"): 1,
    ("trade", "deficit"): -1,
    ("budget", "deficit"): -1,
    ("lending", "standards"): -1,
    ("default", "rates"): -1,
    ("cost", "guidance"): -1,
    ("cost", "savings"): 1,
    ("rate", "cuts"): 1,
    ("job", "cuts"): -1,
    ("tax", "revenues"): 1,
    ("tax", "receipts"): 1,
    ("operating", "expenses"): -1,
    ("input", "costs"): -1,
    ("freight", "costs"): -1,
    ("shipping", "rates"): -1,
    ("claims", "costs"): -1,
    ("unit", "labour", "costs"): -1,
    ("bad", "loans"): -1,
    ("credit", "quality"): 1,
    ("loan-loss", "reserves"): -1,
    ("passenger", "numbers"): 1,
    ("subscriber", "numbers"): 1,
    ("order", "backlog"): 1,
    ("recession", "fears"): -1,
    ("bankruptcy", "fears"): -1,
    ("debt", "load"): -1,
    ("cash", "position"): 1,
    ("rental", "income"): 1,
    ("government", "loans"): -1,
    ("stock", "split"): 0,
    ("oil", "supply"): -1,
    ("profit", "warnings"): -1,
    ("profit", "warning"): -1,
    ("bullion", "prices"): 1,
    ("gold", "prices"): 1,
    ("metal", "prices"): 1,
}
# Quantities that are bad news by being named at all, when nothing moves them ("a huge writedown").
_INHERENTLY_BAD = set(
    _words(
        """
loss losses bankruptcy default defaults writedown writedowns impairment fines penalties fears
worries concerns headwinds shortages outages overruns delays complaints uncertainty strike strikes
"""
    )
)
# Idioms: token sequences with their own valence.
IDIOMS: dict[tuple[str, ...], float] = {
    ("swung", "to", "a", "loss"): -2.4,
    ("swung", "to", "a", "profit"): 2.4,
    ("swings", "to", "a", "loss"): -2.4,
    ("swings", "to", "a", "profit"): 2.4,
    ("turned", "negative"): -2.2,
    ("turned", "positive"): 2.2,
    ("turned", "profitable"): 2.2,
    ("over", "budget"): -1.8,
    ("under", "budget"): 1.5,
    ("ahead", "of", "schedule"): 1.5,
    ("behind", "schedule"): -1.5,
    ("eased", "lending", "standards"): 2.0,
    ("eases", "lending", "standards"): 2.0,
    ("tightened", "lending", "standards"): -2.0,
    ("tightens", "lending", "standards"): -2.0,
    ("going-concern",): -2.5,
    ("took", "profits"): -1.2,
    ("profit-taking",): -1.2,
    ("exceeded", "supply"): 2.0,
    ("outstripped", "supply"): 2.0,
    ("technical", "recession"): -2.0,
    ("takeover", "offer"): 1.8,
    ("takeover", "bid"): 1.8,
    ("buyout", "offer"): 1.8,
    ("won", "its", "patent", "lawsuit"): 2.0,
    ("won", "the", "lawsuit"): 2.0,
    ("won", "its", "appeal"): 2.0,
    ("lost", "its", "appeal"): -2.0,
    ("record", "profit"): 2.4,
    ("record", "profits"): 2.4,
    ("record", "revenue"): 2.4,
    ("record", "sales"): 2.4,
    ("record", "loss"): -2.4,
    ("record", "losses"): -2.4,
}
_MAX_IDIOM = max(len(k) for k in IDIOMS)
# More supply of a commodity lowers its price ("Oil prices plunge as supply jumps").
_QUANTITY_WORDS = {**dict.fromkeys(_GOOD_UP, 1), **dict.fromkeys(_BAD_UP, -1), "supply": -1, "supplies": -1}
_MAX_PHRASE = max(len(p) for p in _QUANTITY_PHRASES)

_EXPECTATION_NOUNS = set(
    _words(
        """
expectations expectation estimates estimate forecasts forecast consensus target targets guidance
projections views view hopes fears feared expected anticipated predicted forecasted
"""
    )
)
_BEAT_WORDS = set(
    _words(
        """
beat beats beating beaten topped tops topping exceeded exceeds exceeding exceed surpassed surpasses
outpaced outstripped above ahead better
"""
    )
)
_MISS_WORDS = set(
    _words(
        """
miss misses missed missing below short worse disappointed disappoints disappoint
"""
    )
)
_NEUTRAL_EXPECTATION = {("in", "line"), ("matched",), ("met",)}

_NEGATORS = {"not", "no", "never", "n't", "without", "nor", "failed", "fails", "fail", "avoided", "avoids"}
_CONTRAST_AFTER = {"but", "however", "yet", "though"}  # the part after counts
_CONTRAST_BEFORE = {"despite", "although", "though", "while"}  # the part they open counts less
_CLAUSE_BREAKS = {",", ";", ":", "—", "–", "-", ".", "as", "and", "after", "while", "amid", "with", "on", "because"}

# Consequence verbs and phrases with their own sign.
_CONSEQUENCES = {
    **dict.fromkeys(
        _words(
            """
hurt hurts hurting weigh weighs weighed weighing squeeze squeezes squeezed squeezing erode erodes
eroded eroding drag drags dragged dragging dash dashes dashed dashing hit hits hitting pressure
pressured pressuring dent dents dented denting threaten threatens threatened
"""
        ),
        -1.6,
    ),
    **dict.fromkeys(
        _words(
            """
help helps helped helping support supports supported supporting cheer cheered cheers protect
protects protected protecting
"""
        ),
        1.2,
    ),
}

# Words that name corporate and administrative acts: no sentiment of their own in market text.
ADMINISTRATIVE_NEUTRAL = _words(
    """
affirm affirms affirmed stable wealth fund funds strategy team teams dispute court testify restated
restate undisclosed sold pending name names named naming appoint appoints appointed appointment
deputy leadership reshuffle reshuffles reshuffled auction auctions auctioned treasury meeting meets
meet vote board chair chairman director officer executive relocated relocate headquarters rebrand
rebranded webcast conference published publish report reports reported scheduled schedule hearing
consultation hold holds held present presents announce announced announces plans plan review
reviewed strategic options effective listing list ticker trade trades trading split merged merge
completed complete previously survey due awaited await update updated revised revise confirm
confirmed talks release released launch launched open opened opens new join joins joined hire hires
hired spin-off stand sell issue issued minority stake memorandum understanding agreement signed sign
independent experience
"""
)

_ATTRIBUTIVE = {
    *("higher", "lower", "weak", "weaker", "strong", "stronger", "smaller", "larger", "bigger", "wider", "narrower"),
}

TOKEN_RE = re.compile(r"[a-z]+(?:[-'][a-z]+)*|n't|\d+(?:[.,]\d+)*%?|[,;:.—–]")


@dataclass
class Event:
    start: int
    end: int  # exclusive; tokens used by this event are not scored again by the lexicon
    valence: float


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower().replace("’", "'"))


def _quantity_at(toks: list[str], i: int) -> tuple[int, int] | None:
    """(polarity, length) of a quantity starting at token i, preferring the longest phrase."""
    for size in range(_MAX_PHRASE, 1, -1):
        key = tuple(toks[i : i + size])
        if len(key) == size and key in _QUANTITY_PHRASES:
            return _QUANTITY_PHRASES[key], size
    polarity = _QUANTITY_WORDS.get(toks[i])
    return (polarity, 1) if polarity is not None else None


def _quantity_spans(toks: list[str]) -> list[tuple[int, int, int]]:
    spans, i = [], 0
    while i < len(toks):
        found = _quantity_at(toks, i)
        if found:
            spans.append((i, i + found[1], found[0]))
            i += found[1]
        else:
            i += 1
    return spans


def _negated(toks: list[str], i: int, floor: int) -> bool:
    window = toks[max(floor, i - 3) : i]
    return any(t in _NEGATORS for t in window) and not ("no" in window and "longer" in toks[i : i + 2])


def _nearest(spans, i: int, *, before: bool, reach: int, floor: int, ceiling: int):
    if before:
        candidates = [s for s in spans if floor <= s[0] and s[1] <= i and i - s[1] < reach]
        return candidates[-1] if candidates else None
    candidates = [s for s in spans if i < s[0] <= ceiling and s[0] - i <= reach]
    return candidates[0] if candidates else None


def _clause_bounds(toks: list[str], i: int) -> tuple[int, int]:
    lo = i
    while lo > 0 and toks[lo - 1] not in (",", ";", ":", "—", "–", "."):
        lo -= 1
    hi = i
    while hi < len(toks) - 1 and toks[hi + 1] not in (",", ";", ":", "—", "–", "."):
        hi += 1
    return lo, hi


def phrase_events(toks: list[str]) -> list[Event]:
    """Every finance event in a token list (one clause or a whole sentence)."""
    events: list[Event] = []
    spans = _quantity_spans(toks)
    used_quantities: set[tuple[int, int, int]] = set()
    moved = False
    for i, tok in enumerate(toks):
        lo, hi = _clause_bounds(toks, i)
        sign = 0
        action = tok in _UP_ACTIONS or tok in _DOWN_ACTIONS
        if tok in _UP_ACTIONS or tok in _UP_WORDS:
            sign = UP
        if tok in _DOWN_ACTIONS or tok in _DOWN_WORDS:
            sign = DOWN if not sign or tok in _DOWN_ACTIONS else sign
        if not sign:
            continue
        if tok in ("up", "down", "higher", "lower") and i > 0 and toks[i - 1] in ("sent", "sending", "send", "sends"):
            pass
        # "Revenue fell short", "fell below" are expectation misses, handled below.
        if i + 1 < len(toks) and toks[i + 1] in ("short", "below", "behind") and tok in _DOWN_WORDS:
            continue
        quantity = None
        if tok in ("prices", "price"):
            continue
        if action:
            quantity = _nearest(spans, i, before=False, reach=4, floor=lo, ceiling=hi)
            if quantity is not None and toks[quantity[0]] in ("prices", "price"):
                continue  # a company changing its own prices: no direction for its holders
        elif tok.endswith("ing") or tok in _ATTRIBUTIVE:
            # "rising wages", "higher input costs", "falling demand"
            quantity = _nearest(spans, i, before=False, reach=1, floor=lo, ceiling=hi)
        if quantity is None and tok.startswith("halt"):
            continue  # "trading was halted": only a halt of something ("halting production") moves it
        if quantity is None:
            quantity = _nearest(spans, i, before=True, reach=6, floor=lo, ceiling=hi)
        if quantity is None and not action:
            quantity = _nearest(spans, i, before=False, reach=3, floor=lo, ceiling=hi)
        if quantity is None:
            # A wider look back across a comma for the sentence's subject ("Shares soared 30% after …").
            quantity = _nearest(spans, i, before=True, reach=10, floor=0, ceiling=hi)
            if quantity in used_quantities:
                quantity = None
            weight = 0.8
        else:
            weight = 1.0
        if quantity is None or quantity[2] == 0:
            plain = _PLAIN_SIGN.get(tok, 0.0)
            if plain:
                events.append(Event(i, i + 1, 1.2 * plain))
            continue
        used_quantities.add(quantity)
        moved = True
        valence = 2.4 * weight * sign * quantity[2]
        if _negated(toks, i, lo):
            valence = -0.8 * valence
        events.append(Event(min(i, quantity[0]), max(i + 1, quantity[1]), valence))
    events.extend(_expectation_events(toks, moved))
    events.extend(_consequence_events(toks, spans))
    # Quantities named without a move carry no sentiment of their own (their words are used), except
    # the ones that are bad news by being there.
    for span in spans:
        start, end, _ = span
        inherent = -1.4 if span not in used_quantities and toks[end - 1] in _INHERENTLY_BAD else 0.0
        events.append(Event(start, end, inherent))
    events.extend(_idiom_events(toks))
    return events


def _idiom_events(toks: list[str]) -> list[Event]:
    events = []
    for i in range(len(toks)):
        for size in range(_MAX_IDIOM, 0, -1):
            key = tuple(toks[i : i + size])
            valence = IDIOMS.get(key) if len(key) == size else None
            if valence is not None:
                if _negated(toks, i, 0):
                    valence = -0.8 * valence
                events.append(Event(i, i + size, valence))
                break
    return events


def _expectation_events(toks: list[str], moved: bool) -> list[Event]:
    events = []
    for i, tok in enumerate(toks):
        if tok not in _BEAT_WORDS and tok not in _MISS_WORDS and tok not in ("fell", "falls", "fall", "falling"):
            continue
        ahead = toks[i + 1 : i + 7]
        if not any(t in _EXPECTATION_NOUNS for t in ahead) and tok not in ("beat", "beats", "missed", "misses", "miss"):
            continue
        if tok in ("fell", "falls", "fall", "falling"):
            if not ahead or ahead[0] not in ("short", "below", "behind"):
                continue
            sign = -1
        elif tok in _BEAT_WORDS:
            sign = 1
        else:
            sign = -1
        # "rose faster than forecast": comparison words amplify the move already scored.
        if tok in ("above", "ahead", "better", "below", "worse") and moved and _is_comparison(toks, i):
            continue
        if moved and tok in ("above", "below", "ahead") and not any(t in _EXPECTATION_NOUNS for t in ahead[:4]):
            continue
        valence = 2.2 * sign
        lo = toks[max(0, i - 3) : i]
        if any(t in _NEGATORS for t in lo):
            valence = -0.8 * valence
        end = i + 1 + next((k + 1 for k, t in enumerate(ahead) if t in _EXPECTATION_NOUNS), 0)
        events.append(Event(i, end, valence))
    for i, tok in enumerate(toks):
        if tok in ("line", "matched", "met", "meet", "meets") and any(
            t in _EXPECTATION_NOUNS for t in toks[i + 1 : i + 5]
        ):
            valence = -2.2 if _negated(toks, i, 0) else 0.0
            events.append(Event(max(0, i - 1), i + 5, valence))
        if tok == "than" and any(t in ("feared", "fears", "fear") for t in toks[i + 1 : i + 4]):
            before = toks[max(0, i - 2) : i]
            if any(t in ("less", "smaller", "lower", "better", "fewer", "milder") for t in before):
                events.append(Event(max(0, i - 2), i + 4, 2.0))
            elif any(t in ("worse", "bigger", "larger", "more", "higher", "deeper") for t in before):
                events.append(Event(max(0, i - 2), i + 4, -2.0))
    return events


def _is_comparison(toks: list[str], i: int) -> bool:
    return "than" in toks[i + 1 : i + 3] or "more" in toks[max(0, i - 1) : i]


def _consequence_events(toks: list[str], spans) -> list[Event]:
    events = []
    for i, tok in enumerate(toks):
        valence = _CONSEQUENCES.get(tok)
        if valence is None:
            continue
        # "hit a record high" / "hit the lowest" are moves, not consequences.
        if tok in ("hit", "hits", "hitting") and any(
            t in ("record", "high", "low", "lowest", "highest", "all-time") for t in toks[i + 1 : i + 4]
        ):
            continue
        target = _nearest(spans, i, before=False, reach=4, floor=i, ceiling=len(toks))
        # Helping or hurting something bad flips: "hurting inflation" is good.
        if target is not None and target[2] < 0:
            valence = -valence
        if _negated(toks, i, 0):
            valence = -0.8 * valence
        events.append(Event(i, i + 1, valence))
    return events


_HIGH_LOW = {
    "record": 0,
    "high": 1,
    "highs": 1,
    "highest": 1,
    "low": -1,
    "lows": -1,
    "lowest": -1,
}


def level_events(toks: list[str]) -> list[Event]:
    """'hit a record high', 'lowest since 2009', 'to a 20-year high': a level is a move of its quantity."""
    events = []
    spans = _quantity_spans(toks)
    for i, tok in enumerate(toks):
        if tok not in ("high", "highs", "highest", "low", "lows", "lowest", "record"):
            continue
        if tok == "record" and i + 1 < len(toks) and toks[i + 1] in ("high", "low", "highs", "lows"):
            continue
        if tok == "record" and i + 1 < len(toks) and tuple(toks[i : i + 2]) in IDIOMS:
            continue
        direction = _HIGH_LOW[tok] or 1
        # The level belongs to the sentence's subject: its first quantity.
        before = [s for s in spans if s[1] <= i]
        quantity = before[0] if before else None
        if quantity is None or quantity[2] == 0:
            continue
        events.append(Event(i, i + 1, 1.6 * direction * quantity[2]))
    return events


def _clause_weights(toks: list[str]) -> list[float]:
    """1.0 for the words that carry the sentence, 0.25 for a contrast's conceded part."""
    weights = [1.0] * len(toks)
    for i, tok in enumerate(toks):
        if tok in _CONTRAST_AFTER and tok != "though":
            for k in range(i):
                weights[k] = min(weights[k], 0.25)
        elif tok in _CONTRAST_BEFORE:
            if tok == "while" and i > 0:
                continue  # "while" mid-sentence is mostly "at the same time"
            end = i + 1
            while end < len(toks) and toks[end] not in (",", ";", ".", "but"):
                end += 1
            span = range(i, end) if i == 0 or (end < len(toks) - 1 and toks[end] == ",") else range(i, len(toks))
            for k in span:
                weights[k] = min(weights[k], 0.25)
    return weights


_DIRECTIONAL = set(_UP_WORDS) | set(_DOWN_WORDS) | set(_UP_ACTIONS) | set(_DOWN_ACTIONS)
_SKIP_IN_LEXICON = _DIRECTIONAL | set(ADMINISTRATIVE_NEUTRAL) | _BEAT_WORDS | _MISS_WORDS | set(_QUANTITY_WORDS)
LEXICON_WEIGHT = 0.5
ALPHA = 15.0  # VADER's normalisation constant


def score_sentence(text: str, lexicon: dict[str, float]) -> float:
    """-1 … +1 for one sentence (or a headline); 0.0 when nothing in it carries sentiment."""
    toks = tokens(text)
    if not toks:
        return 0.0
    weights = _clause_weights(toks)
    events = phrase_events(toks) + level_events(toks)
    covered = [False] * len(toks)
    total = 0.0
    for event in events:
        total += event.valence * weights[event.start]
        for k in range(event.start, min(event.end, len(toks))):
            covered[k] = True
    for i, tok in enumerate(toks):
        if covered[i] or tok in _SKIP_IN_LEXICON or tok in _NEGATORS:
            continue
        valence = lexicon.get(tok, 0.0)
        if not valence:
            continue
        if any(t in _NEGATORS for t in toks[max(0, i - 3) : i]):
            valence = -0.74 * valence  # VADER's negation scalar
        total += LEXICON_WEIGHT * valence * weights[i]
    return total / (total * total + ALPHA) ** 0.5
