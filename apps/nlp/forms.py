from django import forms
from django.conf import settings


class AnalyseForm(forms.Form):
    text = forms.CharField(
        label="Text",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 7, "placeholder": "Paste a news story, a filing, an email…"}),
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Enter some text to analyse.")
        if len(text) > settings.NLP_MAX_TEXT_CHARS:
            raise forms.ValidationError(
                f"The text has {len(text):,} characters; the limit is {settings.NLP_MAX_TEXT_CHARS:,}."
            )
        return text


class TopicsForm(forms.Form):
    corpus = forms.ChoiceField(label="Corpus")
    n_topics = forms.IntegerField(label="Topics", min_value=2, max_value=30, initial=5)
    top_terms = forms.IntegerField(label="Terms per topic", min_value=3, max_value=25, initial=8)

    def __init__(self, *args, corpora: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corpus"].choices = [(name, name.replace("_", " ").capitalize()) for name in corpora]
