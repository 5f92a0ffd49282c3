"""Forms of the market pages. They check types and shapes; the services check the rest."""

from django import forms

from .models import Bar, Instrument

MAX_BARS_FILE_BYTES = 20 * 1024 * 1024


class AddInstrumentForm(forms.Form):
    symbol = forms.RegexField(
        r"^[A-Za-z0-9.^=_-]{1,20}$",
        max_length=20,
        error_messages={"invalid": "Letters, digits and . ^ = _ - only (up to 20)."},
    )
    name = forms.CharField(max_length=200, required=False, help_text="Optional; the symbol when left empty.")
    asset_type = forms.ChoiceField(choices=Instrument.AssetType.choices, initial=Instrument.AssetType.STOCK)
    interval = forms.ChoiceField(choices=Bar.Interval.choices, initial=Bar.Interval.DAY, label="Bar interval")
    bars = forms.FileField(
        required=False,
        label="Bars file (CSV or Parquet)",
        help_text="Optional. Columns: date or time, open, high, low, close, volume. "
        "Without a file the history is fetched from the configured data providers.",
    )

    def clean_bars(self):
        upload = self.cleaned_data.get("bars")
        if upload and upload.size > MAX_BARS_FILE_BYTES:
            raise forms.ValidationError(f"At most {MAX_BARS_FILE_BYTES // (1024 * 1024)} MB.")
        return upload
