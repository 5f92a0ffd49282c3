"""Performance, risk, allocation, rebalancing, optimisation and backtests through the API."""

from datetime import date
from decimal import Decimal as D

import numpy as np
import pytest

from apps.core.models import Job
from tests.portfolio.conftest import make_instrument

pytestmark = pytest.mark.django_db
API = "/api/v1/portfolio/portfolios/"


@pytest.fixture
def market(db):
    rng = np.random.default_rng(11)
    a = make_instrument("AAA", list(np.round(100 * np.exp(np.cumsum(rng.normal(0.001, 0.02, 300))), 4)), sector="Tech")
    b = make_instrument(
        "BBB",
        list(np.round(50 * np.exp(np.cumsum(rng.normal(0.0003, 0.008, 300))), 4)),
        sector="Utilities",
        asset_type="etf",
    )
    idx = make_instrument(
        "IDX", list(np.round(1000 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, 300))), 4)), asset_type="index"
    )
    return a, b, idx


@pytest.fixture
def pid(auth_client, market):
    pid = auth_client.post(API, {"name": "Growth", "benchmark": "IDX"}, format="json").json()["id"]
    for body in [
        {"type": "deposit", "amount": "20000", "trade_date": "2024-01-01"},
        {
            "type": "buy",
            "symbol": "AAA",
            "quantity": "50",
            "price": str(market[0].bars.order_by("time")[0].close),
            "trade_date": "2024-01-01",
        },
        {
            "type": "buy",
            "symbol": "BBB",
            "quantity": "100",
            "price": str(market[1].bars.order_by("time")[0].close),
            "trade_date": "2024-01-01",
        },
        {"type": "deposit", "amount": "5000", "trade_date": "2024-06-03"},
    ]:
        assert auth_client.post(f"{API}{pid}/transactions/", body, format="json").status_code == 201
    return pid


def test_performance_series_twr_xirr_and_benchmark(auth_client, pid, market):
    body = auth_client.get(f"{API}{pid}/performance/", {"end": "2025-02-28"}).json()
    summary, series = body["summary"], body["series"]
    assert series[0]["date"] == "2024-01-01" and series[-1]["date"] == "2025-02-28"
    assert summary["benchmark"] == "IDX"
    assert summary["net_flows"] == 5000
    # Over the bars' period (the last close is carried forward afterwards) TWR is the value-weighted
    # growth of the two positions plus idle cash; check it against the holdings' own price ratios.
    a_last = float(market[0].bars.order_by("-time")[0].close)
    assert series[-1]["value"] == pytest.approx(
        50 * a_last + 100 * float(market[1].bars.order_by("-time")[0].close) + float(body["series"][-1]["cash"]),
        abs=0.01,
    )
    assert summary["xirr"] is not None and summary["xirr_note"] == "unique"
    assert series[-1]["twr_index"] == pytest.approx(1 + summary["twr"], abs=1e-6)
    idx_first, idx_last = (
        float(b.close) for b in (market[2].bars.order_by("time")[0], market[2].bars.order_by("-time")[0])
    )
    assert summary["benchmark_return"] == pytest.approx(idx_last / idx_first - 1, rel=1e-6)
    assert "twr" in body["definitions"]

    ranged = auth_client.get(f"{API}{pid}/performance/", {"start": "2024-03-01", "end": "2024-04-30"}).json()
    assert ranged["series"][0]["date"] == "2024-03-01" and ranged["summary"]["net_flows"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2024-05-01", "end": "2024-04-01"}, "start"),
        ({"end": "2999-01-01"}, "end"),
        ({"start": "x"}, "start"),
    ],
)
def test_bad_ranges_are_400(auth_client, pid, query, field):
    response = auth_client.get(f"{API}{pid}/performance/", query)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_unknown_benchmark_is_404_naming_it(auth_client, pid):
    response = auth_client.get(f"{API}{pid}/analytics/", {"benchmark": "NOPE"})
    assert response.status_code == 404 and "NOPE" in response.json()["error"]["message"]


def test_analytics_risk_with_beta_against_the_benchmark(auth_client, pid):
    body = auth_client.get(f"{API}{pid}/analytics/", {"end": "2025-02-28"}).json()
    risk = body["risk"]
    assert risk["observations"] > 250
    assert 0 < risk["volatility"] < 1
    assert risk["beta"] is not None and risk["correlation"] is not None
    assert 0 <= risk["max_drawdown"] < 1
    assert "sharpe" in body["definitions"]


def test_allocation_by_asset_type_sector_and_currency(auth_client, pid):
    body = auth_client.get(f"{API}{pid}/allocation/").json()
    total = D(body["total_value"])
    for group in ("asset", "asset_type", "sector", "currency"):
        assert sum(D(row["value"]) for row in body[group]) == total
    assert {row["name"] for row in body["asset_type"]} == {"stock", "etf", "Cash"}
    assert {row["name"] for row in body["sector"]} == {"Tech", "Utilities", "Cash"}
    assert [row["name"] for row in body["currency"]] == ["USD"]


def test_rebalance_targets_and_plan(auth_client, pid):
    assert auth_client.get(f"{API}{pid}/rebalance/").status_code == 400  # no targets yet
    bad = auth_client.put(f"{API}{pid}/rebalance/", {"targets": {"AAA": "0.7", "BBB": "0.5"}}, format="json")
    assert bad.status_code == 400 and "targets" in bad.json()["error"]["fields"]
    unknown = auth_client.put(f"{API}{pid}/rebalance/", {"targets": {"ZZZ": "0.5"}}, format="json")
    assert "ZZZ" in unknown.json()["error"]["fields"]["targets"][0]
    ok = auth_client.put(f"{API}{pid}/rebalance/", {"targets": {"AAA": "0.5", "BBB": "0.4"}}, format="json")
    assert ok.status_code == 200
    plan = auth_client.get(f"{API}{pid}/rebalance/", {"mode": "buy_and_sell", "fractional": "true"}).json()
    assert {row["symbol"] for row in plan["drift"]} == {"AAA", "BBB"}
    after = {s: D(w) for s, w in plan["weights_after"].items()}
    # Within the default slippage (5 bp): buys are sized to pay it.
    assert after["AAA"] == pytest.approx(D("0.5"), abs=D("0.0005"))
    assert after["BBB"] == pytest.approx(D("0.4"), abs=D("0.0005"))
    buy_only = auth_client.get(f"{API}{pid}/rebalance/", {"mode": "buy_only"}).json()
    assert all(t["side"] == "buy" for t in buy_only["trades"])
    assert auth_client.get(f"{API}{pid}/rebalance/", {"mode": "sideways"}).status_code == 400


def test_optimisation_runs_as_a_job(auth_client, pid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            f"{API}{pid}/optimize/",
            {"objective": "min_volatility", "symbols": ["AAA", "BBB", "IDX"], "max_weight": 0.8},
            format="json",
        )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == "succeeded", job.error
    weights = job.result["weights"]
    assert set(weights) == {"AAA", "BBB", "IDX"} and sum(weights.values()) == pytest.approx(1, abs=1e-4)
    assert max(weights.values()) <= 0.8 + 1e-6
    assert len(job.result["frontier"]) > 5
    listing = auth_client.get(f"{API}{pid}/optimize/").json()["results"]
    assert [j["id"] for j in listing] == [str(job.id)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"objective": "max_fun"}, "objective"),
        ({"objective": "efficient_return"}, "target_return"),
        ({"symbols": ["AAA"]}, "symbols"),
        ({"symbols": ["AAA", "NOPE"]}, "symbols"),
        ({"min_weight": 0.6, "max_weight": 0.5}, "min_weight"),
    ],
)
def test_bad_optimisation_requests(auth_client, pid, body, field):
    response = auth_client.post(f"{API}{pid}/optimize/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Job.objects.exists()


def test_backtest_job_compares_with_buy_and_hold(auth_client, pid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            f"{API}{pid}/backtests/",
            {"strategy": "sma_cross", "fast": 5, "slow": 20, "initial_cash": "10000"},
            format="json",
        )
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"]["id"])
    assert job.status == "succeeded", job.error
    result = job.result
    assert result["symbols"] == ["AAA", "BBB"]
    assert result["result"]["trade_count"] > 0
    assert result["buy_and_hold"]["equity"][0]["value"] == pytest.approx(10000, rel=0.01)
    assert len(result["result"]["equity"]) == 300
    assert auth_client.get(f"{API}{pid}/backtests/").json()["results"][0]["id"] == str(job.id)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"strategy": "moon"}, "strategy"),
        ({"strategy": "sma_cross", "fast": 50, "slow": 20}, "fast"),
        ({"strategy": "rsi_reversion", "lower": 80, "upper": 70}, "lower"),
        ({"strategy": "buy_and_hold", "initial_cash": "0"}, "initial_cash"),
        ({"strategy": "buy_and_hold", "symbols": ["NOPE"]}, "symbols"),
    ],
)
def test_bad_backtests(auth_client, pid, body, field):
    response = auth_client.post(f"{API}{pid}/backtests/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_empty_portfolio_has_empty_analytics(auth_client, market):
    pid = auth_client.post(API, {"name": "Empty"}, format="json").json()["id"]
    assert auth_client.get(f"{API}{pid}/performance/").json()["series"] == []
    assert auth_client.get(f"{API}{pid}/analytics/").json()["risk"] is None
    assert auth_client.get(f"{API}{pid}/holdings/").json()["total_value"] == "0"
    backtest = auth_client.post(f"{API}{pid}/backtests/", {"strategy": "buy_and_hold"}, format="json")
    assert backtest.status_code == 400 and "symbols" in backtest.json()["error"]["fields"]


def test_dates_today_are_fine(auth_client, pid):
    assert auth_client.get(f"{API}{pid}/performance/", {"end": date.today().isoformat()}).status_code == 200


def test_the_market_default_index_is_the_benchmark_when_none_is_set(auth_client, market, settings):
    settings.MARKET_DEFAULT_BENCHMARK = "IDX"
    pid = auth_client.post(API, {"name": "No benchmark"}, format="json").json()["id"]
    auth_client.post(
        f"{API}{pid}/transactions/", {"type": "deposit", "amount": "100", "trade_date": "2024-01-01"}, format="json"
    )
    assert auth_client.get(f"{API}{pid}/performance/").json()["summary"]["benchmark"] == "IDX"
    assert auth_client.get(f"{API}{pid}/performance/", {"benchmark": "AAA"}).json()["summary"]["benchmark"] == "AAA"


def test_default_range_ends_where_every_holding_has_a_real_price(auth_client, pid, market):
    short = make_instrument("SHRT", [20 + i * 0.1 for i in range(100)])  # ends 2024-05-17
    last_short = short.bars.order_by("-time")[0].time.date()
    body = {"type": "buy", "symbol": "SHRT", "quantity": "10", "price": "20", "trade_date": "2024-01-02"}
    assert auth_client.post(f"{API}{pid}/transactions/", body, format="json").status_code == 201

    perf = auth_client.get(f"{API}{pid}/performance/").json()
    assert perf["as_of"] == last_short.isoformat() == perf["summary"]["end"] == perf["series"][-1]["date"]
    assert perf["stale_prices"] == []
    assert {p["symbol"]: p["stale_price"] for p in perf["prices"]} == {"AAA": False, "BBB": False, "SHRT": False}

    risk = auth_client.get(f"{API}{pid}/analytics/").json()
    assert risk["as_of"] == last_short.isoformat() and risk["end"] == risk["as_of"]
    assert risk["periods_per_year"] == 252 and risk["horizon"] == "1 trading day"
    assert risk["risk"]["periods_per_year"] == 252 and "trading days" in risk["risk_basis"]

    # Asked to run on, SHRT is valued on its last close: flagged with that date.
    later = auth_client.get(f"{API}{pid}/performance/", {"end": "2025-02-21"}).json()
    assert later["as_of"] == "2025-02-21"
    assert later["stale_prices"] == [{"symbol": "SHRT", "price_date": last_short.isoformat(), "stale_price": True}]

    holdings = auth_client.get(f"{API}{pid}/holdings/").json()
    shrt = next(h for h in holdings["holdings"] if h["symbol"] == "SHRT")
    assert shrt["price_date"] == last_short.isoformat() and shrt["stale_price"] is True
    assert holdings["as_of"] == last_short.isoformat()


def test_portfolio_risk_is_measured_on_trading_days(auth_client, pid, market):
    import math

    import pandas as pd

    body = auth_client.get(f"{API}{pid}/analytics/", {"end": "2024-12-31"}).json()
    series = auth_client.get(f"{API}{pid}/performance/", {"end": "2024-12-31"}).json()["series"]
    growth = pd.Series([p["twr_index"] for p in series], index=pd.to_datetime([p["date"] for p in series]))
    bar_days = pd.DatetimeIndex([b.time.date() for b in market[0].bars.all()])
    r = growth[growth.index.isin(bar_days)].pct_change().dropna()
    assert body["risk"]["observations"] == len(r)
    assert body["risk"]["volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(252), rel=1e-4)


def test_a_rebalancing_plan_executed_as_paper_orders_leaves_cash_at_or_above_zero(auth_client, pid, settings):
    """Targets that spend every cent: with fees and slippage in the plan, each of its trades placed
    as a market order (sells first) fills, and the cash ends where the plan said, never below 0."""
    settings.PAPER_SLIPPAGE_BPS, settings.PAPER_FEE_BPS, settings.PAPER_FEE_FIXED = 20.0, 10.0, "4.95"
    put = auth_client.put(f"{API}{pid}/rebalance/", {"targets": {"AAA": "0.02", "BBB": "0.98"}}, format="json")
    assert put.status_code == 200
    plan = auth_client.get(f"{API}{pid}/rebalance/", {"fractional": "true"}).json()
    assert plan["costs"] == {"slippage_bps": "20", "fee_bps": "10", "fee_fixed": "4.95"}
    assert {t["side"] for t in plan["trades"]} == {"buy", "sell"} and D(plan["fees"]) > 0
    for trade in sorted(plan["trades"], key=lambda t: t["side"] != "sell"):
        body = {"symbol": trade["symbol"], "side": trade["side"], "type": "market", "quantity": trade["quantity"]}
        order = auth_client.post(f"{API}{pid}/orders/", body, format="json")
        assert order.status_code == 201, order.json()
        assert order.json()["status"] == "filled", order.json()
        assert D(order.json()["fill_price"]) == D(trade["fill_price"]) and D(order.json()["fees"]) == D(trade["fees"])
    cash = D(auth_client.get(f"{API}{pid}/holdings/").json()["cash"])
    assert cash == D(plan["cash_after"]) >= 0
