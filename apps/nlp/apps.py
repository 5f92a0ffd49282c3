from django.apps import AppConfig


class NlpConfig(AppConfig):
    """Sentiment, entities, summaries, language, keywords and topics for people, programs and market news."""

    name = "apps.nlp"
    label = "nlp"
    verbose_name = "Text analysis"
