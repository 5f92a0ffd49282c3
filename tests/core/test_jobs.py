import pytest
from django.utils import timezone

from apps.core import jobs, services
from apps.core.models import Job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_kinds():
    @jobs.register_job("test.user_error")
    def user_error(job, report):
        report(50, "half way")
        raise jobs.JobError("The input had no faces in it.")

    @jobs.register_job("test.crash")
    def crash(job, report):
        raise KeyError("internal detail")

    yield
    jobs._registry.pop("test.user_error")
    jobs._registry.pop("test.crash")


def test_job_list_is_the_owners_only_newest_first(auth_client, user, other_user, django_assert_num_queries):
    older = JobFactory(owner=user)
    newer = JobFactory(owner=user)
    JobFactory(owner=other_user)
    with django_assert_num_queries(2):  # count + page
        body = auth_client.get("/api/v1/jobs/").json()
    assert body["count"] == 2
    assert [j["id"] for j in body["results"]] == [str(newer.id), str(older.id)]


def test_job_list_filters_by_status(auth_client, user):
    JobFactory(owner=user, status=Job.Status.FAILED)
    JobFactory(owner=user)
    body = auth_client.get("/api/v1/jobs/?status=failed").json()
    assert [j["status"] for j in body["results"]] == ["failed"]


@pytest.mark.parametrize("suffix", ["", "/"])
def test_job_detail_with_or_without_trailing_slash(auth_client, user, suffix):
    job = JobFactory(owner=user, params={"a": 1})
    body = auth_client.get(f"/api/v1/jobs/{job.id}{suffix}").json()
    assert body["id"] == str(job.id)
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["params"] == {"a": 1}
    assert body["url"] == f"/api/v1/jobs/{job.id}"


def test_selfcheck_runs_as_a_job_and_answers_202(staff_user, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/system/selfcheck/")
    assert response.status_code == 202
    job_url = response.json()["url"]
    assert response["Location"] == job_url
    body = client.get(job_url).json()
    assert body["status"] == "succeeded", body
    assert body["progress"] == 100
    assert set(body["result"]["checks"]) == {"database", "cache", "channel_layer"}
    assert body["started_at"] and body["finished_at"]


def test_a_job_error_is_shown_to_the_owner(user, failing_kinds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enqueue_job(owner=user, kind="test.user_error")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "The input had no faces in it."
    assert job.progress == 50
    assert job.message == "half way"


def test_a_crash_is_logged_but_its_detail_is_not_shown(user, failing_kinds, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enqueue_job(owner=user, kind="test.crash")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "internal detail" not in job.error
    assert str(job.id) in job.error
    assert any("crashed" in r.getMessage() for r in caplog.records)


def test_an_unknown_kind_is_refused_before_anything_is_stored(user):
    with pytest.raises(LookupError):
        services.enqueue_job(owner=user, kind="nope")
    assert not Job.objects.exists()


def test_unknown_queue_is_refused_at_registration():
    with pytest.raises(ValueError, match="queue"):
        jobs.register_job("test.bad_queue", queue="gpu")


def test_a_job_is_claimed_once():
    job = JobFactory()
    assert services.claim_job(job_id=job.id) is True
    assert services.claim_job(job_id=job.id) is False
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert job.attempts == 1


def test_running_a_finished_job_again_does_nothing():
    job = JobFactory(status=Job.Status.SUCCEEDED, result={"x": 1})
    services.run_job(job_id=job.id)
    job.refresh_from_db()
    assert job.result == {"x": 1}


def test_progress_is_clamped_and_only_for_running_jobs():
    job = JobFactory()
    services.report_progress(job_id=job.id, progress=40)
    job.refresh_from_db()
    assert job.progress == 0  # not running yet
    services.claim_job(job_id=job.id)
    services.report_progress(job_id=job.id, progress=250, message="m" * 300)
    job.refresh_from_db()
    assert job.progress == 100
    assert len(job.message) == 255


def test_jobs_running_without_a_lease_past_the_stall_timeout_are_failed_on_their_last_attempt(settings):
    stalled = JobFactory(
        status=Job.Status.RUNNING, attempts=3, started_at=timezone.now() - settings.JOB_STALL_TIMEOUT * 2
    )
    fresh = JobFactory(status=Job.Status.RUNNING, attempts=1, started_at=timezone.now())
    assert services.recover_jobs()["failed"] == 1
    stalled.refresh_from_db()
    fresh.refresh_from_db()
    assert stalled.status == Job.Status.FAILED
    assert "stopped responding" in stalled.error
    assert fresh.status == Job.Status.RUNNING


def test_job_pages(client, user, other_user):
    client.force_login(user)
    job = JobFactory(owner=user)
    page = client.get(f"/jobs/{job.id}/")
    assert page.status_code == 200
    assert f'hx-get="/jobs/{job.id}/status/"'.encode() in page.content
    partial = client.get(f"/jobs/{job.id}/status/")
    assert b"Queued" in partial.content
    assert client.get(f"/jobs/{JobFactory(owner=other_user).id}/").status_code == 404
    assert str(job.id).encode() in client.get("/jobs/").content


def test_finished_job_status_stops_polling(client, user):
    client.force_login(user)
    job = JobFactory(owner=user, status=Job.Status.SUCCEEDED, progress=100, result={"ok": True})
    partial = client.get(f"/jobs/{job.id}/status/")
    assert b"hx-get" not in partial.content
    assert b"Succeeded" in partial.content


def test_state_changes_are_broadcast_only_while_someone_watches(user, django_capture_on_commit_callbacks):
    from apps.core import services as core_services
    from tests.factories import JobFactory

    job = JobFactory(owner=user)
    with django_capture_on_commit_callbacks() as callbacks:
        core_services.claim_job(job_id=job.id)
    assert callbacks == []  # nobody follows it: no channel-layer round trip
    core_services.watch_job(job_id=job.id)
    with django_capture_on_commit_callbacks() as callbacks:
        core_services.report_progress(job_id=job.id, progress=50)
    assert len(callbacks) == 1
