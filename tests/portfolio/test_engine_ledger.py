"""Ledger cases worked by hand (FIFO/LIFO/specific lots, partial sells, splits, dividends, fees)."""

from datetime import date
from decimal import Decimal as D

import pytest

from apps.portfolio.engine import ledger as L

E = L.Entry


def d(n):
    return date(2024, 1, n)


def base():
    return [
        E(1, "deposit", d(1), amount=D("10000")),
        E(2, "buy", d(2), "X", D(10), D(100), D(1)),  # lot 2: cost 1001
        E(3, "buy", d(3), "X", D(10), D(120), D(1)),  # lot 3: cost 1201
    ]


def test_fifo_partial_sell_across_two_lots_shares_fees_pro_rata():
    ledger = L.replay([*base(), E(4, "sell", d(4), "X", D(15), D(130), D(3))])
    first, second = ledger.realized_for(4)
    # Lot 2 entirely: proceeds 10 × 130 − 3 × 10/15 = 1298; cost 1001.
    assert (first.lot_id, first.quantity, first.cost, first.proceeds, first.realized_pnl) == (
        2,
        D(10),
        D(1001),
        D("1298"),
        D("297"),
    )
    # Half of lot 3: cost 1201 / 2 = 600.5; proceeds 5 × 130 − 1 = 649.
    assert (second.lot_id, second.quantity, second.cost, second.proceeds, second.realized_pnl) == (
        3,
        D(5),
        D("600.5"),
        D(649),
        D("48.5"),
    )
    assert ledger.position("X") == 5
    assert ledger.cost_basis("X") == D("600.5")
    assert ledger.cash == D(10000) - 1001 - 1201 + (15 * 130 - 3)


def test_lifo_takes_the_newest_lot_first():
    ledger = L.replay([*base(), E(4, "sell", d(4), "X", D(5), D(130))], method=L.LIFO)
    (only,) = ledger.realized_for(4)
    assert only.lot_id == 3
    assert only.cost == D("600.5")
    assert only.realized_pnl == D(650) - D("600.5")


def test_specific_lots_sell_exactly_what_is_named():
    entries = [*base(), E(4, "sell", d(4), "X", D(6), D(90), lots=[(3, D(4)), (2, D(2))])]
    ledger = L.replay(entries, method=L.SPECIFIC)
    picks = {c.lot_id: (c.quantity, c.cost) for c in ledger.realized_for(4)}
    assert picks == {3: (D(4), D("480.4")), 2: (D(2), D("200.2"))}


@pytest.mark.parametrize(
    ("lots", "message"),
    [
        ([(3, D(6))], "add up to 6, not the 7"),
        ([(3, D(11))], "holds 10"),
        ([(99, D(7))], "not an open X lot"),
        ([(3, D(3)), (3, D(4))], "named twice"),
    ],
)
def test_bad_specific_lots_are_refused(lots, message):
    with pytest.raises(L.LedgerError, match=message) as exc:
        L.replay([*base(), E(4, "sell", d(4), "X", D(7), D(90), lots=lots)], method=L.SPECIFIC)
    assert exc.value.field == "lots"


def test_partial_consumption_keeps_every_cent_of_cost():
    entries = [
        E(1, "deposit", d(1), amount=D(1000)),
        E(2, "buy", d(2), "X", D(3), D(100), D("0.01")),  # cost 300.01, not divisible by 3
        E(3, "sell", d(3), "X", D(1), D(110)),
        E(4, "sell", d(4), "X", D(1), D(110)),
        E(5, "sell", d(5), "X", D(1), D(110)),
    ]
    ledger = L.replay(entries)
    costs = [c.cost for c in ledger.consumptions]
    assert costs == [D("100.00333333"), D("100.00333334"), D("100.00333333")]
    assert sum(costs) == D("300.01")
    assert ledger.cost_basis("X") == 0


def test_split_multiplies_quantity_and_keeps_cost_basis():
    entries = [*base(), E(4, "split", d(4), "X", ratio=D(2)), E(5, "sell", d(5), "X", D(25), D(70))]
    ledger = L.replay(entries)
    assert ledger.position("X") == 15
    first, second = ledger.realized_for(5)
    assert (first.quantity, first.cost) == (D(20), D(1001))  # lot 2, now 20 shares at 50.05
    assert (second.quantity, second.cost) == (D(5), D("300.25"))  # a quarter of lot 3 (20 shares)
    assert ledger.cost_basis("X") == D("900.75")


def test_reverse_split():
    ledger = L.replay([*base(), E(4, "split", d(4), "X", ratio=D("0.5"))])
    assert ledger.position("X") == 10
    assert ledger.cost_basis("X") == D(2202)


def test_dividend_adds_cash_and_records_yield_basis():
    ledger = L.replay([*base(), E(4, "dividend", d(4), "X", amount=D("22.02"), fees=D("2.02"))])
    (div,) = ledger.dividends
    assert div.amount == D(20)
    assert div.quantity_held == 20
    assert div.amount / div.cost_basis == D(20) / D(2202)
    assert ledger.cash == D(10000) - 2202 + 20


def test_fees_and_withdrawals_reduce_cash():
    ledger = L.replay([*base(), E(4, "fee", d(4), amount=D(5)), E(5, "withdrawal", d(5), amount=D(100))])
    assert ledger.cash == D(10000) - 2202 - 5 - 100
    assert ledger.withdrawals == 100


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        (E(9, "sell", d(9), "X", D(21), D(1)), "quantity", "position then is 20"),
        (E(9, "withdrawal", d(9), amount=D(8000)), "amount", "cash balance"),
        (E(9, "buy", d(9), "X", D(1000), D(100)), "quantity", "needs 100000"),
        (E(9, "dividend", d(9), "Y", amount=D(1)), "symbol", "No Y is held"),
        (E(9, "split", d(9), "Y", ratio=D(2)), "symbol", "No Y is held"),
        (E(9, "sell", d(9), "X", D(1), D(1), D(2)), "fees", "exceed"),
    ],
)
def test_impossible_entries_name_their_field(entry, field, message):
    with pytest.raises(L.LedgerError, match=message) as exc:
        L.replay([*base(), entry])
    assert exc.value.field == field
    assert exc.value.transaction_id == 9


def test_selling_then_rebuying_uses_the_new_lot_only():
    entries = [*base(), E(4, "sell", d(4), "X", D(20), D(130)), E(5, "buy", d(5), "X", D(1), D(50))]
    ledger = L.replay(entries)
    assert [lot.id for lot in ledger.open_lots("X")] == [5]
    assert ledger.cost_basis("X") == 50


def test_a_dividend_after_the_sale_is_paid_on_the_position_held_at_the_ex_date():
    sold = [*base(), E(4, "sell", d(10), "X", D(20), D(130), D(0))]
    ledger = L.replay([*sold, E(5, "dividend", d(25), "X", amount=D("8"), ex_date=d(9))])
    (div,) = ledger.dividends
    assert div.quantity_held == 20 and div.amount == 8
    assert ledger.cash == D(10000) - 2202 + 2600 + 8
    # Sold on the ex-date itself: still entitled (held at the start of that day).
    assert (
        L.replay([*sold, E(5, "dividend", d(25), "X", amount=D("8"), ex_date=d(10))]).dividends[0].quantity_held == 20
    )
    # Without an ex-date, or with one after the sale or before the first buy, it is refused.
    for ex_date, field in ((None, "symbol"), (d(11), "ex_date"), (d(2), "ex_date")):
        with pytest.raises(L.LedgerError) as caught:
            L.replay([*sold, E(5, "dividend", d(25), "X", amount=D("8"), ex_date=ex_date)])
        assert caught.value.field == field and caught.value.transaction_id == 5
