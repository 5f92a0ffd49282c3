"""Valuation + TWR of a portfolio of 10,000 transactions over 10 years: our path (transactions read
from the database, the exact Decimal ledger replayed, daily valuation, TWR, XIRR) against a direct
pandas computation of the same daily values and TWR from the same transactions held in memory.

Prices: 10 instruments × 10 years of business days, random walks (timing data, not prices of
anything). Transactions: deposits, buys, sells of part of a position, dividends and fees, valid in
ledger order."""

import time
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from _harness import setup_django

TRANSACTIONS = 10_000
SYMBOLS = [f"SYM{n}" for n in range(10)]
DAYS = pd.bdate_range("2015-01-02", periods=2520)


def build(rng):
    """Prices and a valid ledger as plain rows (date, type, symbol, quantity, price, amount)."""
    prices = {s: np.round(50 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, len(DAYS)))), 4) for s in SYMBOLS}
    rows, held, cash = [], dict.fromkeys(SYMBOLS, 0), Decimal(0)
    days = np.sort(rng.integers(0, len(DAYS), TRANSACTIONS))
    for n, d in enumerate(days):
        symbol = SYMBOLS[n % len(SYMBOLS)]
        price = Decimal(str(prices[symbol][d]))
        roll = rng.random()
        if n % 20 == 0 or cash < 5000:
            amount = Decimal(20_000)
            rows.append((DAYS[d].date(), "deposit", None, None, None, amount))
            cash += amount
        elif roll < 0.55:
            qty = Decimal(int(rng.integers(1, 20)))
            rows.append((DAYS[d].date(), "buy", symbol, qty, price, None))
            cash -= qty * price
            held[symbol] += qty
        elif roll < 0.9 and held[symbol] > 1:
            qty = Decimal(max(1, int(held[symbol]) // 3))
            rows.append((DAYS[d].date(), "sell", symbol, qty, price, None))
            cash += qty * price
            held[symbol] -= qty
        elif held[symbol] > 0:
            amount = Decimal("12.50")
            rows.append((DAYS[d].date(), "dividend", symbol, None, None, amount))
            cash += amount
        else:
            amount = Decimal("1.00")
            rows.append((DAYS[d].date(), "fee", None, None, None, amount))
            cash -= amount
    return prices, rows


def store(prices, rows):
    from apps.accounts.models import User
    from apps.market.models import Bar, Instrument
    from apps.portfolio import services
    from apps.portfolio.models import Transaction
    from apps.portfolio.services.ledger import _rebuild

    user = User.objects.create_user(email="bench@example.com", password="bench-password-123")
    instruments = {}
    for symbol in SYMBOLS:
        instruments[symbol] = Instrument.objects.create(symbol=symbol, name=symbol, data_source="bench")
        Bar.objects.bulk_create(
            Bar(
                instrument=instruments[symbol],
                interval="1d",
                time=datetime(d.year, d.month, d.day, tzinfo=UTC),
                open=p,
                high=p,
                low=p,
                close=p,
                volume=0,
            )
            for d, p in zip(DAYS, (Decimal(str(x)) for x in prices[symbol]), strict=True)
        )
    portfolio = services.create_portfolio(owner=user, name="Bench")
    Transaction.objects.bulk_create(
        Transaction(
            portfolio=portfolio,
            type=kind,
            instrument=instruments[symbol] if symbol else None,
            quantity=qty,
            price=price,
            amount=amount,
            currency="USD",
            trade_date=day,
        )
        for day, kind, symbol, qty, price, amount in rows
    )
    _rebuild(portfolio, changed=None)
    return user, portfolio, instruments


def baseline(prices, rows, end) -> tuple[pd.Series, float]:
    """Daily value and TWR with pandas directly: positions and cash by cumulative sums."""
    df = pd.DataFrame(rows, columns=["date", "type", "symbol", "quantity", "price", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    qty = df["quantity"].astype(float).fillna(0.0)
    px = df["price"].astype(float).fillna(0.0)
    amount = df["amount"].astype(float).fillna(0.0)
    sign = df["type"].map({"buy": 1.0, "sell": -1.0}).fillna(0.0)
    df["dq"] = sign * qty
    kinds = [df["type"].eq(t) for t in ("deposit", "withdrawal", "dividend", "fee")]
    df["cash"] = -sign * qty * px + np.select(kinds, [amount, -amount, amount, -amount], 0.0)
    df["flow"] = np.where(df["type"].eq("deposit"), amount, np.where(df["type"].eq("withdrawal"), -amount, 0.0))
    days = pd.bdate_range(df["date"].iloc[0], end)
    cash = df.groupby("date")["cash"].sum().reindex(days, fill_value=0.0).cumsum()
    flow = df.groupby("date")["flow"].sum().reindex(days, fill_value=0.0)
    positions = df[df["symbol"].notna()].pivot_table(index="date", columns="symbol", values="dq", aggfunc="sum")
    positions = positions.reindex(days, fill_value=0.0).fillna(0.0).cumsum()
    closes = pd.DataFrame(prices, index=DAYS).reindex(days).ffill()
    value = cash + (positions * closes[positions.columns]).sum(axis=1)
    base = value.shift(1, fill_value=0.0) + flow
    r = np.where(base > 1e-9, value / base - 1.0, 0.0)
    return value, float(np.prod(1 + r[1:]) - 1)


def timed(fn, repeats=5):
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def main():
    teardown = setup_django()
    try:
        from apps.portfolio import selectors, services
        from apps.portfolio.engine import performance as perf

        rng = np.random.default_rng(42)
        prices, rows = build(rng)
        user, portfolio, _ = store(prices, rows)
        end = DAYS[-1].date()

        def ours():
            frame = selectors._valuation(portfolio, None, end)
            return frame, perf.twr(frame)

        from django.core.cache import cache

        cache.clear()
        t_cold, _ = timed(ours, repeats=1)  # closes read from the database, not the cache
        t_ours, (frame, our_twr) = timed(ours)
        t_api, body = timed(lambda: selectors.performance(portfolio=portfolio, end=end))
        t_base, (value, base_twr) = timed(lambda: baseline(prices, rows, end))
        assert abs(our_twr - base_twr) < 1e-9, (our_twr, base_twr)
        assert np.allclose(frame["value"].to_numpy(), value.to_numpy(), rtol=1e-9)

        started = time.perf_counter()
        services.record_transaction(
            portfolio=portfolio,
            actor=user,
            data=services.TransactionInput(type="deposit", trade_date=end, amount=Decimal(1)),
        )
        t_write = time.perf_counter() - started

        print(f"{TRANSACTIONS:,} transactions, {len(SYMBOLS)} instruments, {len(frame):,} business days")
        print(f"  pandas baseline (in memory, float)                     {t_base * 1000:8.1f} ms")
        print(f"  ours: read + Decimal replay + valuation + TWR (warm)   {t_ours * 1000:8.1f} ms")
        print(f"  ours, cold cache (closes read from PostgreSQL)          {t_cold * 1000:8.1f} ms")
        print(f"  ours: the whole performance answer (+ XIRR, series)    {t_api * 1000:8.1f} ms")
        print(f"  ratio ours / baseline                                  {t_ours / t_base:8.1f}×")
        print(f"  same TWR: {our_twr:.6%} (baseline {base_twr:.6%}); same daily values")
        print(f"  one more transaction (locks, replays {TRANSACTIONS:,}, stores)  {t_write * 1000:8.1f} ms")
        print(f"  points in the answer: {body['points']:,}")
    finally:
        teardown()


if __name__ == "__main__":
    main()
