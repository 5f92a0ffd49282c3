import pytest

from apps.nlp.engine import loader
from tests.nlp.tiny_models import build_sentiment_model, build_summary_model


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {
        "tiny-sentiment": str(
            build_sentiment_model(root / "sentiment", labels={0: "negative", 1: "neutral", 2: "positive"}, favour=2)
        ),
        "tiny-binary": str(build_sentiment_model(root / "binary", labels={0: "LABEL_0", 1: "LABEL_1"}, favour=0)),
        "tiny-bart": str(build_summary_model(root / "bart")),
    }


@pytest.fixture
def configured_models(settings, tiny_models):
    settings.NLP_SENTIMENT_MODELS = {
        "tiny-sentiment": tiny_models["tiny-sentiment"],
        "tiny-binary": tiny_models["tiny-binary"],
    }
    settings.NLP_SUMMARY_MODELS = {"tiny-bart": tiny_models["tiny-bart"]}
    return tiny_models


@pytest.fixture
def fresh_models():
    """Forget loaded models around a test that changes which are configured."""
    yield loader
    for key in [k for k in loader.loaded() if k.startswith(("sentiment:transformers", "summarize:"))]:
        loader.forget(key)
