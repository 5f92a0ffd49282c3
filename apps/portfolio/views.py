"""Portfolio pages: list, dashboard, transactions, rebalancing, optimisation, paper orders, backtests."""

import time
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core import selectors as core_selectors

from . import forms, read_cache, selectors, services
from .api import plain

SECTIONS = [
    ("detail", "Dashboard", "speedometer2"),
    ("transactions", "Transactions", "journal-text"),
    ("orders", "Paper trading", "lightning"),
    ("rebalance", "Rebalance", "sliders"),
    ("optimize", "Optimise", "bullseye"),
    ("backtests", "Backtests", "clock-history"),
]


def _page(request, template: str, portfolio, section: str, context: dict, *, status: int = 200):
    return render(
        request,
        template,
        {"portfolio": portfolio, "sections": SECTIONS, "section": section, **context},
        status=status,
    )


@login_required
def index(request):
    form = forms.PortfolioForm(request.POST or None, initial={"base_currency": "USD"})
    if request.method == "POST" and form.is_valid():
        try:
            portfolio = services.create_portfolio(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, f"Portfolio “{portfolio.name}” created. Add a deposit to start.")
            return redirect("portfolio:detail", portfolio_id=portfolio.pk)
    rows = [(p, selectors.holdings_view(portfolio=p)) for p in selectors.portfolios_of(user=request.user)]
    return render(request, "portfolio/index.html", {"rows": rows, "form": form}, status=400 if form.errors else 200)


@login_required
def detail(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    view = read_cache.holdings_view(portfolio=portfolio)
    allocation = read_cache.allocation(portfolio=portfolio, view=view)
    benchmark = selectors.resolve_benchmark(portfolio, None)
    performance = read_cache.performance(portfolio=portfolio, benchmark=benchmark)
    return _page(
        request,
        "portfolio/detail.html",
        portfolio,
        "detail",
        {
            "view": view,
            "allocation": allocation,
            "chart": plain(
                {
                    "allocation": allocation,
                    "performance": performance["series"],
                    "benchmark": benchmark.symbol if benchmark else None,
                }
            ),
            "summary": performance["summary"],
            "empty": not performance["series"],
            "benchmark": benchmark,
            "definitions": selectors.DEFINITIONS,
            "dividends": read_cache.dividends_view(portfolio=portfolio),
            "realized": selectors.realized_of(portfolio=portfolio).order_by("-sale__trade_date", "-id")[:20],
        },
    )


@login_required
def transactions(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    form = forms.TransactionForm(request.POST or None, prefix="txn")
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.record_transaction(portfolio=portfolio, actor=request.user, data=_input(form))
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, f"Recorded the {recorded.transaction.get_type_display().lower()}.")
            return redirect("portfolio:transactions", portfolio_id=portfolio.pk)
    return _transactions_page(request, portfolio, form=form, import_form=forms.ImportForm())


def _input(form) -> services.TransactionInput:
    return services.TransactionInput(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})


def _transactions_page(request, portfolio, *, form, import_form, duplicate=None):
    failed = bool(form.errors or import_form.errors)
    return _page(
        request,
        "portfolio/transactions.html",
        portfolio,
        "transactions",
        {
            "form": form,
            "import_form": import_form,
            "duplicate": duplicate,
            "undo": _undo_offer(request, portfolio),
            "transactions": selectors.transactions_of(portfolio=portfolio)[:200],
            "transaction_count": selectors.transactions_of(portfolio=portfolio).count(),
            "columns": services.CSV_COLUMNS,
        },
        status=400 if failed else 200,
    )


# A file held back as a repeat waits this long for "import anyway" (kept in the cache by its hash).
PENDING_IMPORT_SECONDS = 15 * 60


def _pending_key(request, portfolio, digest: str) -> str:
    return f"portfolio:pending-import:{request.user.pk}:{portfolio.pk}:{digest}"


@login_required
@require_POST
def import_csv(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    import_form = forms.ImportForm(request.POST, request.FILES)
    duplicate = None
    if import_form.is_valid():
        upload, pending = import_form.cleaned_data["file"], import_form.cleaned_data["pending"]
        data = upload.read() if upload is not None else cache.get(_pending_key(request, portfolio, pending))
        if data is None:
            import_form.add_error("file", "That file waited too long; choose it again.")
        else:
            try:
                count = services.import_transactions(
                    portfolio=portfolio,
                    actor=request.user,
                    data=data,
                    allow_duplicates=import_form.cleaned_data["import_anyway"],
                )
            except services.DuplicateImport as exc:
                digest = services.content_hash(data)
                cache.set(_pending_key(request, portfolio, digest), data, PENDING_IMPORT_SECONDS)
                duplicate = {"digest": digest, "lines": exc.lines, "total": exc.total}
                forms.apply_errors(import_form, exc)
            except ValidationError as exc:
                forms.apply_errors(import_form, exc)
            else:
                if pending:
                    cache.delete(_pending_key(request, portfolio, pending))
                messages.success(request, f"Imported {count} transactions.")
                return redirect("portfolio:transactions", portfolio_id=portfolio.pk)
    return _transactions_page(
        request, portfolio, form=forms.TransactionForm(prefix="txn"), import_form=import_form, duplicate=duplicate
    )


@login_required
def edit_transaction(request, portfolio_id: int, transaction_id: int):
    """Edit one transaction through the same service as the API's PUT."""
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    txn = selectors.transaction_of(portfolio=portfolio, transaction_id=transaction_id)
    form = forms.TransactionForm(request.POST or None, prefix="txn", initial=forms.TransactionForm.initial_from(txn))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_transaction(txn=txn, actor=request.user, data=_input(form))
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, "Transaction updated; lots and P&L were recomputed.")
            return redirect("portfolio:transactions", portfolio_id=portfolio.pk)
    return _page(
        request,
        "portfolio/transaction_edit.html",
        portfolio,
        "transactions",
        {"form": form, "txn": txn},
        status=400 if form.errors else 200,
    )


# How long a deleted transaction can be brought back with "Undo".
UNDO_SECONDS = 10 * 60
UNDO_SESSION_KEY = "portfolio_undo_delete"


def _undo_offer(request, portfolio) -> dict | None:
    offer = request.session.get(UNDO_SESSION_KEY)
    if not offer or offer.get("portfolio") != portfolio.pk or offer.get("until", 0) < time.time():
        return None
    return offer


@login_required
@require_POST
def delete_transaction(request, portfolio_id: int, transaction_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    txn = selectors.transaction_of(portfolio=portfolio, transaction_id=transaction_id)
    try:
        snapshot = services.delete_transaction(txn=txn, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        request.session[UNDO_SESSION_KEY] = {
            "portfolio": portfolio.pk,
            "snapshot": snapshot,
            "until": time.time() + UNDO_SECONDS,
            "label": _describe(snapshot),
        }
    return redirect("portfolio:transactions", portfolio_id=portfolio.pk)


def _describe(snapshot: dict) -> str:
    parts = [snapshot["trade_date"], snapshot["type"]]
    if snapshot.get("symbol"):
        parts.append(snapshot["symbol"])
    if snapshot.get("quantity"):
        parts.append(f"{Decimal(snapshot['quantity']).normalize():f}")
    if snapshot.get("amount"):
        parts.append(f"{Decimal(snapshot['amount']):,.2f}")
    return " ".join(parts)


@login_required
@require_POST
def undo_delete(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    offer = _undo_offer(request, portfolio)
    if offer is None:
        messages.error(request, "There is nothing to undo any more: a deletion can be undone for ten minutes.")
        return redirect("portfolio:transactions", portfolio_id=portfolio.pk)
    try:
        services.restore_transaction(portfolio=portfolio, actor=request.user, snapshot=offer["snapshot"])
    except ValidationError as exc:
        messages.error(request, "The transaction could not be restored: " + " ".join(exc.messages))
    else:
        request.session.pop(UNDO_SESSION_KEY, None)
        messages.success(request, f"Restored {offer['label']}.")
    return redirect("portfolio:transactions", portfolio_id=portfolio.pk)


@login_required
def export_csv(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    response = HttpResponse(selectors.export_csv(portfolio=portfolio), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="portfolio-{portfolio.pk}-transactions.csv"'
    return response


@login_required
def rebalance(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    current = "\n".join(
        f"{t.instrument.symbol} {t.weight.normalize():f}" for t in portfolio.targets.select_related("instrument")
    )
    form = forms.TargetsForm(request.POST or None, initial={"targets": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_targets(portfolio=portfolio, actor=request.user, targets=form.cleaned_data["targets"])
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, "Targets saved.")
            return redirect("portfolio:rebalance", portfolio_id=portfolio.pk)
    options = forms.RebalanceOptionsForm(request.GET or None)
    plan, plan_error = None, None
    if portfolio.targets.exists() and (not request.GET or options.is_valid()):
        chosen = options.cleaned_data if request.GET else {}
        try:
            plan = selectors.rebalance_plan(
                portfolio=portfolio,
                mode=chosen.get("mode") or "buy_and_sell",
                fractional=chosen.get("fractional", False),
                min_trade=chosen.get("min_trade") or Decimal(0),
            )
        except ValidationError as exc:
            plan_error = " ".join(exc.messages)
    return _page(
        request,
        "portfolio/rebalance.html",
        portfolio,
        "rebalance",
        {"form": form, "options": options, "plan": plan, "plan_error": plan_error},
        status=400 if form.errors else 200,
    )


@login_required
def orders(request, portfolio_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    form = forms.OrderForm(request.POST or None, initial={"kind": "market", "time_in_force": "gtc"})
    if request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(
                portfolio=portfolio, actor=request.user, data=services.OrderInput(**form.cleaned_data)
            )
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            state = "filled" if order.status == "filled" else order.status
            messages.success(request, f"{order.get_side_display()} order for {order.instrument.symbol} {state}.")
            return redirect("portfolio:orders", portfolio_id=portfolio.pk)
    return _page(
        request,
        "portfolio/orders.html",
        portfolio,
        "orders",
        {"form": form, **_orders_context(portfolio)},
        status=400 if form.errors else 200,
    )


def _orders_context(portfolio) -> dict:
    rows = list(selectors.orders_of(portfolio=portfolio)[:100])
    return {
        "open_orders": [o for o in rows if o.status == "open"],
        "closed_orders": [o for o in rows if o.status != "open"],
        "view": selectors.holdings_view(portfolio=portfolio),
    }


@login_required
def orders_table(request, portfolio_id: int):
    """The htmx partial that refreshes the order book while orders are open."""
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    return render(request, "portfolio/_orders.html", {"portfolio": portfolio, **_orders_context(portfolio)})


@login_required
@require_POST
def cancel_order(request, portfolio_id: int, order_id: int):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    try:
        services.cancel_order(order=selectors.order_of(portfolio=portfolio, order_id=order_id), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Order cancelled.")
    return redirect("portfolio:orders", portfolio_id=portfolio.pk)


def _job_page(request, portfolio, *, form, kind: str, start, template: str, section: str, job_id=None):
    if request.method == "POST" and form.is_valid():
        params = {
            k: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v)
            for k, v in form.cleaned_data.items()
            if v not in (None, "", [])
        }
        try:
            job = start(portfolio=portfolio, actor=request.user, params=params)
        except ValidationError as exc:
            forms.apply_errors(form, exc)
        else:
            return redirect(f"portfolio:{section}-result", portfolio_id=portfolio.pk, job_id=job.id)
    jobs = core_selectors.jobs_of(user=request.user, kind=kind).filter(params__portfolio=portfolio.pk)
    job = jobs.filter(pk=job_id).first() if job_id else None
    if job_id and job is None:
        raise Http404("No such run.")
    if request.headers.get("HX-Request") and job is not None:
        return render(request, f"portfolio/_{section}_result.html", {"portfolio": portfolio, "job": job})
    shown = job or jobs.filter(status="succeeded").first()
    if request.method != "POST" and shown is not None:
        # The form shows what produced the result beside it, ready to change and run again.
        form = type(form)(initial=_form_values(form, shown.params))
    return _page(
        request,
        template,
        portfolio,
        section,
        {"form": form, "job": shown, "recent": jobs[:10]},
        status=400 if form.errors else 200,
    )


def _form_values(form, params: dict) -> dict:
    """A job's stored parameters as the values of the form that started it."""
    values = {}
    for name in form.fields:
        if name not in params:
            continue
        value = params[name]
        values[name] = " ".join(value) if isinstance(value, list) else value
    return values


@login_required
def optimize(request, portfolio_id: int, job_id=None):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    form = forms.OptimiseForm(request.POST or None)
    return _job_page(
        request,
        portfolio,
        form=form,
        kind="portfolio.optimize",
        start=services.start_optimisation,
        template="portfolio/optimize.html",
        section="optimize",
        job_id=job_id,
    )


@login_required
def backtests(request, portfolio_id: int, job_id=None):
    portfolio = selectors.portfolio_of(user=request.user, portfolio_id=portfolio_id)
    form = forms.BacktestForm(request.POST or None)
    return _job_page(
        request,
        portfolio,
        form=form,
        kind="portfolio.backtest",
        start=services.start_backtest,
        template="portfolio/backtests.html",
        section="backtests",
        job_id=job_id,
    )
