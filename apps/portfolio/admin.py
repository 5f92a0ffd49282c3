"""Portfolio admin: a read-only window on the ledger. Money moves only through the services (the
pages and the API), which lock, validate, recompute lots and write the audit trail; the admin
therefore shows but does not edit transactions, lots, holdings, orders or the audit trail."""

from django.contrib import admin

from .models import AuditEntry, Holding, Order, Portfolio, Realization, TaxLot, Transaction


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HoldingInline(admin.TabularInline):
    model = Holding
    fields = ("instrument", "quantity", "cost")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Portfolio)
class PortfolioAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "base_currency", "cost_basis_method", "cash", "created_at")
    list_filter = ("base_currency", "cost_basis_method")
    search_fields = ("name", "owner__email")
    list_select_related = ("owner",)
    inlines = [HoldingInline]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("trade_date", "portfolio", "type", "instrument", "quantity", "price", "fees", "amount", "source")
    list_filter = ("type", "source", "trade_date")
    search_fields = ("portfolio__name", "instrument__symbol", "note")
    list_select_related = ("portfolio", "instrument")
    date_hierarchy = "trade_date"


@admin.register(TaxLot)
class TaxLotAdmin(ReadOnlyAdmin):
    list_display = ("opened_by", "portfolio", "instrument", "opened_on", "quantity", "remaining", "cost")
    list_select_related = ("portfolio", "instrument", "opened_by")
    search_fields = ("portfolio__name", "instrument__symbol")


@admin.register(Realization)
class RealizationAdmin(ReadOnlyAdmin):
    list_display = ("sale", "lot", "quantity", "cost", "proceeds", "realized_pnl")
    list_select_related = ("sale", "lot")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "portfolio", "side", "kind", "instrument", "quantity", "status", "fill_price")
    list_filter = ("status", "kind", "side", "time_in_force")
    search_fields = ("portfolio__name", "instrument__symbol")
    list_select_related = ("portfolio", "instrument")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "portfolio_name", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("portfolio_name", "actor__email", "object_id")
    list_select_related = ("actor",)
