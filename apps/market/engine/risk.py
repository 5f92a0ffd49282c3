"""Risk measures of a close series (optionally against a benchmark's closes), per bar interval.

Returns are simple returns from one bar to the next. Annualising uses the series' periods per
year, inferred from the median spacing of its bars (``periods_per_year``): daily bars follow the
asset's calendar (252 trading days for equities and indices, 260 weekdays for FX, 365 days for
crypto), intraday bars multiply bars per day by those days (hourly FX: 24 × 260 = 6,240; intraday
equities: the median number of bars per session × 252), weekly bars 52, monthly 12, quarterly 4.

Volatility: sample std-dev (ddof=1) × √P. Historical VaR(95%): the loss at the 5th percentile of
the per-bar returns, so its horizon is one bar (``horizon`` says how long that is). Parametric
VaR(95%): −(μ − 1.645σ) of the per-bar returns, normal returns assumed. Max drawdown: the largest
peak-to-trough fall of the close. Sharpe: (mean return − rf/P) / std × √P. Sortino: the same over
the downside deviation (returns below the per-bar risk-free rate, root-mean-square over all bars).
Beta: cov(r, r_b)/var(r_b), the benchmark's returns taken over the same bars (its last close at or
before each bar's time). VaR and drawdown are positive fractions (0.05 = 5 %).
"""

import math

import numpy as np
import pandas as pd

TRADING_DAYS = 252
DAYS_PER_YEAR = {"crypto": 365, "fx": 260}
Z_95 = 1.6448536269514722
DAY = 86_400.0


def _spacing_seconds(index) -> float | None:
    times = pd.DatetimeIndex(index)
    if len(times) < 2:
        return None
    return float(np.median(np.diff(times.as_unit("ns").asi8)) / 1e9)


def periods_per_year(index, *, asset_type: str = "stock") -> int:
    """Bars per year of a series with these bar times (see the module's conventions)."""
    spacing = _spacing_seconds(index)
    days = DAYS_PER_YEAR.get(asset_type, TRADING_DAYS)
    if spacing is None or spacing <= 0:
        return days
    if spacing < 0.75 * DAY:  # intraday
        if asset_type in DAYS_PER_YEAR:  # markets open round the clock (FX: on weekdays)
            return round(DAY / spacing) * days
        times = pd.DatetimeIndex(index)
        per_session = float(pd.Series(1, index=times).groupby(times.date).size().median())
        return round(per_session) * days
    spacing_days = spacing / DAY
    if spacing_days < 4:
        return days
    if spacing_days < 10:
        return 52
    if spacing_days < 45:
        return 12
    if spacing_days < 120:
        return 4
    return 1


def horizon(index) -> str:
    """The length of one bar of the series in words ("1 day", "1 hour", "1 month", …)."""
    spacing = _spacing_seconds(index)
    if spacing is None:
        return "1 bar"
    for seconds, name in (
        (60, "minute"),
        (300, "5 minutes"),
        (900, "15 minutes"),
        (3600, "hour"),
        (DAY, "day"),
        (7 * DAY, "week"),
        (30.44 * DAY, "month"),
        (91.31 * DAY, "quarter"),
        (365.25 * DAY, "year"),
    ):
        if spacing <= seconds * 1.5:
            return name if name[0].isdigit() else f"1 {name}"
    return f"{spacing / DAY:.0f} days"


def align(benchmark: pd.Series, index) -> pd.Series:
    """The benchmark's last close at or before each time of ``index``; NaN outside its history."""
    benchmark = benchmark.dropna().sort_index()
    if benchmark.empty:
        return pd.Series(np.nan, index=index)
    aligned = benchmark.reindex(benchmark.index.union(index)).ffill().reindex(index)
    return aligned.where((index >= benchmark.index[0]) & (index <= benchmark.index[-1]))


def measure(
    close: pd.Series,
    *,
    benchmark: pd.Series | None = None,
    risk_free: float = 0.0,
    periods: int | None = None,
    horizon_label: str | None = None,
    asset_type: str = "stock",
) -> dict:
    """Risk of ``close`` annualised with ``periods`` per year (inferred from the bar spacing and
    ``asset_type`` when not given); the answer states ``periods_per_year`` and ``horizon``."""
    periods = periods or periods_per_year(close.index, asset_type=asset_type)
    label = horizon_label or horizon(close.index)
    returns = close.pct_change(fill_method=None).dropna()
    if len(returns) < 2:
        return {"observations": len(returns), "periods_per_year": periods, "horizon": label}
    mean, std = float(returns.mean()), float(returns.std(ddof=1))
    period_rf = risk_free / periods
    downside = np.minimum(returns - period_rf, 0.0)
    downside_dev = float(np.sqrt((downside**2).mean()))
    peak = close.cummax()
    root = math.sqrt(periods)
    result = {
        "observations": len(returns),
        "periods_per_year": periods,
        "horizon": label,
        "volatility": std * root,
        "var_95_historical": float(-np.percentile(returns, 5)),
        "var_95_parametric": -(mean - Z_95 * std),
        "max_drawdown": float(-(close / peak - 1).min()),
        "sharpe": (mean - period_rf) / std * root if std else None,
        "sortino": (mean - period_rf) / downside_dev * root if downside_dev else None,
        "beta": None,
        "correlation": None,
    }
    if benchmark is not None:
        bench_returns = align(benchmark, close.index).pct_change(fill_method=None)
        joined = pd.concat([returns, bench_returns], axis=1, join="inner").dropna()
        if len(joined) >= 20:
            r, b = joined.iloc[:, 0], joined.iloc[:, 1]
            result["beta"] = float(r.cov(b) / b.var())
            result["correlation"] = float(r.corr(b))
            result["benchmark_observations"] = len(joined)
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in result.items()}
