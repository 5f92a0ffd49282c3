from django import forms
from django.conf import settings

from . import services


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


MAX_PASTED_DOCUMENTS = 5000


class TopicsForm(forms.Form):
    corpus = forms.ChoiceField(label="Corpus", required=False, help_text="Used when no documents are pasted below.")
    documents = forms.CharField(
        label="Or paste documents",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "One document per line, or separated by blank lines"}),
        help_text=(
            f"One per line, or separated by blank lines. Topic modelling needs at least "
            f"{services.MIN_TOPIC_DOCUMENTS} documents, and at least one per topic (5 topics: 5 documents)."
        ),
    )
    n_topics = forms.IntegerField(label="Topics", min_value=2, max_value=30, initial=5)
    top_terms = forms.IntegerField(label="Terms per topic", min_value=3, max_value=25, initial=8)

    def clean_documents(self) -> list[str]:
        documents = services.split_documents(self.cleaned_data.get("documents") or "")
        if len(documents) > MAX_PASTED_DOCUMENTS:
            raise forms.ValidationError(f"At most {MAX_PASTED_DOCUMENTS:,} documents; you pasted {len(documents):,}.")
        return documents

    def clean(self):
        data = super().clean()
        documents, n_topics = data.get("documents"), data.get("n_topics")
        if documents and n_topics and len(documents) < services.min_topic_documents(n_topics):
            self.add_error(
                "documents",
                f"{n_topics} topics need at least {services.min_topic_documents(n_topics)} documents; "
                f"you pasted {len(documents)}. Paste more or ask for fewer topics.",
            )
        return data

    def __init__(self, *args, corpora: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corpus"].choices = [(name, name.replace("_", " ").capitalize()) for name in corpora]
