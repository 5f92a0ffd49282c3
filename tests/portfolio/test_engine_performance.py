"""Valuation, TWR and XIRR against values worked out by hand or published."""

from datetime import date
from decimal import Decimal as D

import pandas as pd
import pytest

from apps.portfolio.engine import ledger as L
from apps.portfolio.engine import performance as P

E = L.Entry
MON, TUE, WED, THU = date(2024, 3, 4), date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7)


def frame_for(entries, prices, end):
    return P.valuation(entries, L.replay(entries), prices, end=end).frame


def test_valuation_and_twr_ignore_deposits():
    entries = [
        E(1, "deposit", MON, amount=D(1000)),
        E(2, "buy", MON, "X", D(10), D(100)),
        E(3, "deposit", WED, amount=D(1100)),
    ]
    prices = {"X": pd.Series([100.0, 110.0, 110.0, 99.0], index=pd.bdate_range(MON, THU))}
    frame = frame_for(entries, prices, THU)
    assert frame["value"].tolist() == [1000.0, 1100.0, 2200.0, 2090.0]
    assert frame["flow"].tolist() == [1000.0, 0.0, 1100.0, 0.0]
    # Daily returns: +10 %, 0 % (the deposit is not a gain), −5 %.
    assert P.twr(frame) == pytest.approx(1.1 * 1.0 * 0.95 - 1)
    assert P.twr_index(frame).tolist() == pytest.approx([1.0, 1.1, 1.1, 1.045])


def test_weekend_transactions_count_on_monday_and_trade_price_fills_missing_closes():
    saturday = date(2024, 3, 2)
    entries = [E(1, "deposit", saturday, amount=D(500)), E(2, "buy", saturday, "Y", D(2), D(200))]
    frame = frame_for(entries, {}, TUE)  # no closes at all for Y: the trade price values it
    assert frame.index[0] == pd.Timestamp(MON)
    assert frame["value"].tolist() == [500.0, 500.0]
    assert frame["Y"].tolist() == [400.0, 400.0]


def test_splits_change_the_valued_position():
    entries = [
        E(1, "deposit", MON, amount=D(1000)),
        E(2, "buy", MON, "X", D(10), D(100)),
        E(3, "split", WED, "X", ratio=D(2)),
    ]
    prices = {"X": pd.Series([100.0, 100.0, 50.0, 50.0], index=pd.bdate_range(MON, THU))}
    assert frame_for(entries, prices, THU)["value"].tolist() == [1000.0] * 4


def test_xirr_simple_year_in_a_leap_year():
    irr = P.xirr([(date(2020, 1, 1), -1000.0), (date(2021, 1, 1), 1100.0)])
    assert irr.rate == pytest.approx(1.1 ** (365 / 366) - 1, abs=1e-9)


def test_xirr_matches_the_published_spreadsheet_example():
    flows = [
        (date(2008, 1, 1), -10000.0),
        (date(2008, 3, 1), 2750.0),
        (date(2008, 10, 30), 4250.0),
        (date(2009, 2, 15), 3250.0),
        (date(2009, 4, 1), 2750.0),
    ]
    assert P.xirr(flows).rate == pytest.approx(0.373362535, abs=1e-7)


def test_xirr_says_when_the_rate_is_not_unique():
    # −100 + 230/(1+r) − 132/(1+r)² = 0 has two roots: 10 % and 20 %.
    irr = P.xirr([(date(2021, 1, 1), -100.0), (date(2022, 1, 1), 230.0), (date(2023, 1, 1), -132.0)])
    assert irr.rate is None
    assert "not unique" in irr.note
    assert "10.00%" in irr.note and "20.00%" in irr.note


def test_xirr_says_when_there_is_no_rate():
    # −100 + 50/(1+r) − 100/(1+r)² < 0 for every r > −1.
    irr = P.xirr([(date(2021, 1, 1), -100.0), (date(2022, 1, 1), 50.0), (date(2023, 1, 1), -100.0)])
    assert irr.rate is None
    assert "No rate" in irr.note
    assert P.xirr([(date(2021, 1, 1), 5.0), (date(2022, 1, 1), 5.0)]).rate is None


def test_investor_flows_of_a_mid_history_range():
    entries = [
        E(1, "deposit", MON, amount=D(1000)),
        E(2, "deposit", WED, amount=D(500)),
        E(3, "withdrawal", THU, amount=D(200)),
    ]
    frame = frame_for(entries, {}, THU)
    flows = P.investor_flows(frame[frame.index >= pd.Timestamp(TUE)])
    assert flows == [(TUE, -1000.0), (WED, -500.0), (THU, 200.0), (THU, 1300.0)]
