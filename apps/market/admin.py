"""Market admin: instruments (with a bar import from CSV/Parquet), news, quotes."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from . import services
from .models import Bar, Fundamentals, Instrument, NewsItem, Quote


class ImportBarsForm(forms.Form):
    file = forms.FileField(help_text="CSV (columns: time or date, open, high, low, close, volume) or Parquet.")
    interval = forms.ChoiceField(choices=Bar.Interval.choices, initial="1d")


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "asset_type", "exchange", "currency", "is_active", "data_source")
    list_filter = ("asset_type", "exchange", "is_active")
    search_fields = ("symbol", "name")
    actions = ["import_bars"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/import-bars/",
                self.admin_site.admin_view(self.import_bars_view),
                name="market_instrument_import_bars",
            ),
            *super().get_urls(),
        ]

    @admin.action(description="Import bars from a CSV or Parquet file")
    def import_bars(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one instrument to import bars into.", messages.WARNING)
            return None
        return redirect("admin:market_instrument_import_bars", pk=queryset.get().pk)

    def import_bars_view(self, request, pk: int):
        instrument = get_object_or_404(Instrument, pk=pk)
        if not self.has_change_permission(request, instrument):
            return redirect("admin:index")
        form = ImportBarsForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                count = services.import_bars_file(
                    instrument=instrument,
                    interval=form.cleaned_data["interval"],
                    filename=upload.name,
                    data=upload.read(),
                )
            except ValidationError as exc:
                for error in exc.message_dict.get("file", exc.messages):
                    form.add_error("file", error)
            else:
                self.message_user(request, f"Imported {count} bars into {instrument.symbol}.", messages.SUCCESS)
                return redirect(reverse("admin:market_instrument_change", args=[instrument.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import bars into {instrument.symbol}",
            "form": form,
            "instrument": instrument,
            "opts": self.model._meta,
        }
        return render(request, "admin/market/import_bars.html", context)


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ("headline", "source", "published_at", "sentiment_label", "sentiment_score", "is_sample")
    list_filter = ("sentiment_label", "is_sample", "source")
    search_fields = ("headline", "url")
    filter_horizontal = ("instruments",)
    readonly_fields = ("sentiment_label", "sentiment_score", "sentiment_model")


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ("instrument", "price", "previous_close", "time", "source")
    list_select_related = ("instrument",)

    def has_add_permission(self, request):
        return False


admin.site.register(Fundamentals)
