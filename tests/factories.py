import factory

from apps.accounts.models import User
from apps.core.models import Job
from apps.nlp.models import Analysis

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    owner = factory.SubFactory(UserFactory)
    kind = "core.selfcheck"


class AnalysisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Analysis

    owner = factory.SubFactory(UserFactory)
    kind = "language"
    text = "x"
    input_hash = "0" * 64
    result = factory.LazyFunction(dict)
    backend = "lingua"
    model = "m"
    duration_ms = 1
