import re

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.proposals.models import Proposal, Repository

pytestmark = pytest.mark.django_db

DOMAIN_PAGES = ["/market/", "/portfolio/", "/nlp/", "/vision/", "/codegen/", "/proposals/"]


def test_dashboard_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_then_dashboard(client, user):
    from tests.factories import PASSWORD

    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert "All systems ready" in html
    for page in DOMAIN_PAGES:
        assert f'href="{page}"' in html


def test_wrong_password_is_a_form_error(client, user):
    response = client.post("/accounts/login/", {"email": user.email, "password": "wrong"})
    assert response.status_code == 400
    assert "Email or password is incorrect." in response.content.decode()


@pytest.mark.parametrize("path", DOMAIN_PAGES)
def test_every_domain_has_a_page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200 and b"Coming" not in response.content


def test_pages_use_no_cdn_and_no_inline_code(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert not re.search(r'(src|href)="https?://', html)
    assert "<script>" not in html and " style=" not in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_staff_can_start_a_selfcheck_from_the_dashboard(client, staff_user, django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    assert b"Worker self-check" in client.get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/jobs/selfcheck/")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"Succeeded" in page.content


def test_seed_demo_refuses_production(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_is_idempotent_and_prints_the_login(capsys, settings, tmp_path):
    settings.DEBUG = True
    settings.PROPOSALS_DEMO_REPOSITORY = tmp_path / "demo-repository"
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.count("Demo login: demo@example.com / ") == 2
    assert User.objects.filter(email="demo@example.com").count() == 1
    password = out.split("Demo login: demo@example.com / ")[1].split()[0]
    demo = User.objects.get(email="demo@example.com")
    assert demo.check_password(password) and demo.is_reviewer
    # The demo repository, once, with Guardian's and Imperium's proposals to review.
    (repository,) = Repository.objects.all()
    assert repository.path == str(tmp_path / "demo-repository") and repository.created_by == demo
    kinds = {(p.ai_type, p.file_path) for p in Proposal.objects.all()}
    assert {("guardian", "service/config.py"), ("guardian", "service/client.py")} <= kinds
    assert ("imperium", "service/stats.py") in kinds


def test_admin_has_the_platform_header(admin_client):
    assert b"AI Platform administration" in admin_client.get("/admin/").content


def test_openapi_schema_and_local_docs(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "AI Platform API"
    assert "/api/v1/jobs/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar" in docs or "/static/" in docs
    assert not re.search(r'(src|href)="https?://', docs)
