"""Job kinds of the portfolio app (the ``analysis`` queue)."""

from decimal import Decimal

from django.utils.dateparse import parse_date

from apps.core.jobs import JobError, register_job
from apps.market import selectors as market

from . import selectors
from .engine import backtest, optimize
from .engine import orders as rules
from .services.trading import costs as paper_costs

FREQUENCY = {"1d": 252, "1wk": 52, "1mo": 12}


@register_job("portfolio.optimize", queue="analysis")
def optimise(job, report):
    """Mean-variance weights and the efficient frontier of the chosen instruments."""
    p = job.params
    prices = selectors.price_frame(symbols=p["symbols"], start=parse_date(p["start"]) if p.get("start") else None)
    report(30, f"{len(prices)} common daily prices of {', '.join(p['symbols'])}")
    if prices.empty:
        raise JobError(
            f"{', '.join(p['symbols'])} have no prices on common days, so they cannot be optimised together."
        )
    # Instruments with weekly or monthly history set the pace: resample to the coarsest.
    spacing = prices.index.to_series().diff().dt.days.median()
    frequency = 252 if spacing < 4 else 52 if spacing < 10 else 12
    try:
        result = optimize.optimise(
            prices,
            objective=p["objective"],
            frequency=frequency,
            bounds=(float(p.get("min_weight", 0.0)), float(p.get("max_weight", 1.0))),
            risk_free=float(p.get("risk_free", 0.0)),
            target_return=None if p.get("target_return") is None else float(p["target_return"]),
        )
    except optimize.OptimisationError as exc:
        raise JobError(str(exc)) from exc
    report(90, "frontier traced")
    return {**result, "frequency": frequency}


@register_job("portfolio.backtest", queue="analysis")
def run_backtest(job, report):
    """A strategy's equity curve, trades and risk next to buy-and-hold on the same instruments."""
    p = job.params
    bars = selectors.daily_bars(
        symbols=p["symbols"],
        start=parse_date(p["start"]) if p.get("start") else None,
        end=parse_date(p["end"]) if p.get("end") else None,
    )
    short = [s for s, frame in bars.items() if len(frame) < 2]
    if short:
        raise JobError(f"Not enough price history in the range for {', '.join(short)}.")
    defaults = paper_costs()
    costs = rules.Costs(
        slippage_bps=Decimal(str(p.get("slippage_bps", defaults.slippage_bps))),
        fee_bps=Decimal(str(p.get("fee_bps", defaults.fee_bps))),
        fee_fixed=Decimal(str(p.get("fee_fixed", defaults.fee_fixed))),
    )
    params = backtest.Params(
        fast=int(p.get("fast", 20)),
        slow=int(p.get("slow", 50)),
        rsi_period=int(p.get("rsi_period", 14)),
        lower=float(p.get("lower", 30)),
        upper=float(p.get("upper", 70)),
    )
    cash = Decimal(str(p.get("initial_cash", "10000")))
    count = len(bars)

    def progress(n, symbol):
        report(10 + int(40 * n / count), f"{p['strategy']}: {symbol} done")

    runs = {}
    for name in dict.fromkeys([p["strategy"], "buy_and_hold"]):
        runs[name] = backtest.run(
            bars,
            strategy=name,
            initial_cash=cash,
            costs=costs,
            params=params,
            fractional=bool(p.get("fractional", True)),
            progress=progress if name == p["strategy"] else None,
        )
    report(80, "measuring")
    # Periods per year from the bars' spacing and the instruments' calendar (crypto trades daily).
    kinds = set(market.asset_types(p["symbols"]).values())
    asset_type = kinds.pop() if len(kinds) == 1 else "stock"
    return {
        "strategy": p["strategy"],
        "symbols": p["symbols"],
        "initial_cash": str(cash),
        "costs": {k: str(v) for k, v in vars(costs).items()},
        **{name: _summary(run, cash, asset_type) for name, run in runs.items() if name != p["strategy"]},
        "result": _summary(runs[p["strategy"]], cash, asset_type),
    }


def _summary(run: dict, cash: Decimal, asset_type: str) -> dict:
    equity = run["equity"]
    periods = market.periods_per_year(equity.index, asset_type=asset_type)
    years = max((equity.index[-1] - equity.index[0]).days / 365.25, 1 / 365.25)
    final = float(equity.iloc[-1])
    sells = [t for t in run["trades"] if t["realized_pnl"] is not None]
    return {
        "final_equity": round(final, 2),
        "total_return": final / float(cash) - 1,
        "cagr": (final / float(cash)) ** (1 / years) - 1 if final > 0 else None,
        "periods_per_year": periods,
        "horizon": market.bar_horizon(equity.index),
        "risk": market.risk_measures(close=equity, periods=periods),
        "trades": run["trades"][-500:],
        "trade_count": len(run["trades"]),
        "win_rate": (sum(Decimal(t["realized_pnl"]) > 0 for t in sells) / len(sells)) if sells else None,
        "equity": [{"date": d.date().isoformat(), "value": round(float(v), 2)} for d, v in equity.items()],
    }
