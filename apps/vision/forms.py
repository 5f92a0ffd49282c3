"""The image page's form: one operation and its parameters (the API checks the same ranges)."""

from django import forms

from .engine import detect, style
from .services import OPERATIONS

LABELS = {
    "enhance": "Enhance (automatic)",
    "resize": "Resize",
    "thumbnail": "Thumbnail",
    "detect": "Detect objects",
    "style_transfer": "Style transfer",
    "classify": "Classify (ImageNet)",
}


class OperationForm(forms.Form):
    image = forms.ImageField(label="Image", help_text="JPEG, PNG or WebP.")
    operation = forms.ChoiceField(choices=[(o, LABELS[o]) for o in OPERATIONS], initial="enhance")
    width = forms.IntegerField(min_value=1, max_value=10_000, required=False)
    height = forms.IntegerField(min_value=1, max_value=10_000, required=False)
    mode = forms.ChoiceField(choices=[("fit", "Fit inside"), ("exact", "Exactly")], required=False)
    targets = forms.MultipleChoiceField(
        choices=[(d, d.replace("_", " ")) for d in detect.DETECTORS],
        required=False,
        initial=["face", "eye", "person"],
        widget=forms.CheckboxSelectMultiple,
        label="Detect",
    )
    method = forms.ChoiceField(choices=[(m, m.replace("_", " ")) for m in style.METHODS], required=False, label="Style")
    style = forms.ImageField(required=False, label="Style image", help_text="For colour transfer.")
    top_k = forms.IntegerField(min_value=1, max_value=20, required=False, initial=5, label="Top labels")
    clahe = forms.FloatField(min_value=0, max_value=10, required=False, label="Local contrast (CLAHE clip; 0 = off)")
    denoise = forms.FloatField(min_value=0, max_value=10, required=False, label="Denoise (0 = off)")
    sharpen = forms.FloatField(min_value=0, max_value=5, required=False, label="Sharpen (0 = off)")

    def clean(self):
        data = super().clean()
        op = data.get("operation")
        if op == "resize" and not (data.get("width") or data.get("height")):
            self.add_error("width", "Give a width, a height, or both.")
        if op == "resize" and data.get("mode") == "exact" and not (data.get("width") and data.get("height")):
            self.add_error("mode", "Exact needs both width and height.")
        if op == "style_transfer" and data.get("method") == "color_transfer" and not data.get("style"):
            self.add_error("style", "Colour transfer needs a style image.")
        return data

    def options(self) -> dict:
        """The parameters that apply to the chosen operation."""
        d, op = self.cleaned_data, self.cleaned_data["operation"]
        wanted = {
            "enhance": ("clahe", "denoise", "sharpen"),
            "resize": ("width", "height", "mode"),
            "thumbnail": ("width", "height"),
            "detect": ("targets",),
            "style_transfer": ("method",),
            "classify": ("top_k",),
        }[op]
        return {k: d[k] for k in wanted if d.get(k) not in (None, "", [])}
