"""Fill rules, rebalancing plans, backtests and optimisation, on constructed data."""

from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest
import talib

from apps.portfolio.engine import backtest, optimize, orders, rebalance

NO_COSTS = orders.Costs()
SLIP = orders.Costs(slippage_bps=D(10), fee_bps=D(5), fee_fixed=D(1))


@pytest.mark.parametrize(
    ("side", "kind", "price", "limit", "stop", "fills", "at"),
    [
        ("buy", "market", "100", None, None, True, "100.1"),
        ("sell", "market", "100", None, None, True, "99.9"),
        ("buy", "limit", "100", "99", None, False, None),
        ("buy", "limit", "98", "99", None, True, "98.098"),
        ("buy", "limit", "99", "99", None, True, "99"),  # slippage never beats the limit
        ("sell", "limit", "101", "100", None, True, "100.899"),
        ("sell", "limit", "99", "100", None, False, None),
        ("sell", "stop", "95", None, "95", True, "94.905"),
        ("sell", "stop", "96", None, "95", False, None),
        ("buy", "stop", "105", None, "105", True, "105.105"),
        ("sell", "stop_limit", "94", "93", "95", True, "93.906"),
        ("sell", "stop_limit", "92", "93", "95", False, None),  # triggered, but below the limit
    ],
)
def test_fill_rules(side, kind, price, limit, stop, fills, at):
    decision = orders.evaluate(
        side=side,
        order_type=kind,
        price=D(price),
        limit_price=D(limit) if limit else None,
        stop_price=D(stop) if stop else None,
        costs=SLIP,
    )
    assert decision.fill is fills
    if fills:
        assert decision.price == D(at)


def test_a_triggered_stop_limit_fills_later_when_the_price_comes_back():
    first = orders.evaluate(side="sell", order_type="stop_limit", price=D(92), limit_price=D(93), stop_price=D(95))
    assert (first.fill, first.triggered) == (False, True)
    later = orders.evaluate(
        side="sell", order_type="stop_limit", price=D(94), limit_price=D(93), stop_price=D(95), triggered=True
    )
    assert (later.fill, later.price) == (True, D(94))


def test_fees_are_bps_plus_fixed_rounded_to_the_cent():
    assert SLIP.fees(D("1234.56")) == D("1.62")  # 0.61728 + 1


def positions():
    return [
        rebalance.Position("A", D(30), D(100)),
        rebalance.Position("B", D(10), D(50)),
        rebalance.Position("C", D(0), D(20)),
    ]


def test_rebalance_buy_and_sell_reaches_targets_in_whole_shares():
    # Total 3000 + 500 + 0 + cash 500 = 4000; targets A 50 %, B 25 %, C 25 %.
    plan = rebalance.plan(positions=positions(), cash=D(500), targets={"A": D("0.5"), "B": D("0.25"), "C": D("0.25")})
    trades = {(t["symbol"], t["side"]): t["quantity"] for t in plan["trades"]}
    assert trades == {("A", "sell"): D(10), ("B", "buy"): D(10), ("C", "buy"): D(50)}
    assert plan["cash_after"] == 0
    assert plan["max_drift_after"] == 0
    drift = {row["symbol"]: row["drift"] for row in plan["drift"]}
    assert drift == {"A": D("0.25"), "B": D("-0.125"), "C": D("-0.25")}


def test_rebalance_buy_only_spreads_the_cash_pro_rata_to_the_shortfall():
    plan = rebalance.plan(
        positions=positions(), cash=D(500), targets={"A": D("0.5"), "B": D("0.25"), "C": D("0.25")}, mode="buy_only"
    )
    # Shortfalls B 500, C 1000 share the 500 of cash: B 1/3, C 2/3.
    trades = {t["symbol"]: t["quantity"] for t in plan["trades"]}
    assert all(t["side"] == "buy" for t in plan["trades"])
    assert trades == {"B": D(3), "C": D(16)}  # 166.66/50 → 3; 333.33/20 → 16 (whole shares, rounded down)
    assert plan["cash_after"] == D(500) - 150 - 320


def test_rebalance_fractional_and_minimum_trade():
    plan = rebalance.plan(
        positions=positions(),
        cash=D(500),
        targets={"A": D("0.5"), "B": D("0.25"), "C": D("0.25")},
        mode="buy_only",
        fractional=True,
        min_trade=D(200),
    )
    assert [t["symbol"] for t in plan["trades"]] == ["C"]
    assert plan["trades"][0]["quantity"] == D("16.66666666")


def test_rebalance_keeps_the_cash_target():
    plan = rebalance.plan(positions=[rebalance.Position("A", D(0), D(10))], cash=D(1000), targets={"A": D("0.6")})
    assert [{k: t[k] for k in ("symbol", "side", "quantity", "price", "value", "fees")} for t in plan["trades"]] == [
        {"symbol": "A", "side": "buy", "quantity": D(60), "price": D(10), "value": D(600), "fees": D(0)}
    ]
    assert plan["cash_after"] == 400


def test_rebalance_pays_fees_and_slippage_within_the_cash():
    costs = orders.Costs(slippage_bps=D(50), fee_bps=D(10), fee_fixed=D("4.95"))
    plan = rebalance.plan(
        positions=positions(), cash=D(500), targets={"A": D("0.5"), "B": D("0.25"), "C": D("0.25")}, costs=costs
    )
    sell = next(t for t in plan["trades"] if t["side"] == "sell")
    assert sell["fill_price"] == D("99.5") and sell["fees"] == costs.fees(sell["quantity"] * D("99.5"))
    spent = sum(-t["cash"] for t in plan["trades"] if t["side"] == "buy")
    assert spent <= D(500) + sell["cash"]
    assert plan["cash_after"] == D(500) + sum(t["cash"] for t in plan["trades"]) >= 0
    assert plan["fees"] == sum(t["fees"] for t in plan["trades"]) > 3 * D("4.95") - D("0.01")


def bars(closes, opens=None):
    idx = pd.bdate_range("2020-01-01", periods=len(closes))
    closes = pd.Series(closes, index=idx, dtype=float)
    return pd.DataFrame(
        {"open": closes if opens is None else pd.Series(opens, index=idx, dtype=float), "close": closes}
    )


def test_buy_and_hold_equity_is_the_price_path():
    rng = np.random.default_rng(3)
    closes = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, 300)))
    frame = bars(closes, opens=np.r_[closes[0], closes[:-1]])
    run = backtest.run({"Z": frame}, strategy="buy_and_hold", initial_cash=D(10000), costs=NO_COSTS)
    expected = 10000 * frame["close"] / frame["open"].iloc[0]
    assert np.allclose(run["equity"].to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert [t["side"] for t in run["trades"]] == ["buy"]


def test_sma_cross_trades_on_the_next_open_with_paper_costs():
    closes = [10.0] * 30 + [20.0] * 30 + [5.0] * 30
    frame = bars(closes)
    run = backtest.run(
        {"Z": frame}, strategy="sma_cross", initial_cash=D(1000), costs=SLIP, params=backtest.Params(fast=3, slow=10)
    )
    buy, sell = run["trades"]
    assert (buy["side"], buy["date"]) == ("buy", frame.index[31].date().isoformat())  # crossed on bar 30's close
    assert D(buy["price"]) == D("20.02")  # 20 + 10 bps slippage
    assert sell["side"] == "sell" and D(sell["realized_pnl"]) < 0
    assert run["equity"].iloc[0] == 1000


def test_rsi_reversion_buys_a_sell_off_and_exits_on_the_rebound():
    closes = list(np.linspace(100, 60, 40)) + list(np.linspace(60, 120, 40))
    frame = bars(closes)
    run = backtest.run({"Z": frame}, strategy="rsi_reversion", initial_cash=D(1000), costs=NO_COSTS)
    buy, sell = run["trades"][:2]
    days = [d.date().isoformat() for d in frame.index]
    # RSI(14) falls under 30 early in the sell-off and climbs over 70 well into the rebound; each
    # order fills on the bar after the signal.
    rsi = talib.RSI(frame["close"].to_numpy(dtype=float), timeperiod=14)
    first_low = int(np.nanargmax(rsi < 30))
    first_high = first_low + int(np.nanargmax(rsi[first_low:] > 70))
    assert buy["side"] == "buy" and days.index(buy["date"]) == first_low + 1 < 20
    assert sell["side"] == "sell" and days.index(sell["date"]) == first_high + 1 > 40


def test_optimiser_weights_respect_bounds_and_the_frontier_rises():
    rng = np.random.default_rng(7)
    returns = rng.normal([0.0008, 0.0004, 0.0002], [0.02, 0.01, 0.005], size=(750, 3))
    prices = pd.DataFrame(
        100 * np.exp(np.cumsum(returns, axis=0)), index=pd.bdate_range("2019-01-01", periods=750), columns=list("ABC")
    )
    result = optimize.optimise(prices, objective="min_volatility", frequency=252, bounds=(0.1, 0.6))
    weights = result["weights"]
    assert sum(weights.values()) == pytest.approx(1, abs=1e-5)
    assert all(0.1 - 1e-6 <= w <= 0.6 + 1e-6 for w in weights.values())
    assert weights["C"] == pytest.approx(0.6, abs=1e-3)  # the calmest asset takes its maximum
    vols = [p["volatility"] for p in result["frontier"]]
    rets = [p["return"] for p in result["frontier"]]
    assert len(rets) > 10 and rets == sorted(rets) and vols[-1] > vols[0]


def test_optimiser_refuses_impossible_bounds():
    prices = pd.DataFrame(np.ones((20, 3)), index=pd.bdate_range("2020-01-01", periods=20), columns=list("ABC"))
    with pytest.raises(optimize.OptimisationError, match="can sum to 1"):
        optimize.optimise(prices, objective="min_volatility", frequency=252, bounds=(0.0, 0.2))
