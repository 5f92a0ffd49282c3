"""The image page in a real browser: upload a photo, enhance it, see before and after."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.vision.conftest import encoded, low_contrast

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_upload_an_image_and_see_it_enhanced(page, live_server, sign_in, tmp_path):
    picture = tmp_path / "dull.jpg"
    picture.write_bytes(encoded(low_contrast(320, 240)))
    sign_in(UserFactory())
    page.goto(f"{live_server.url}/vision/")
    expect(page.get_by_label("Width")).to_be_hidden()  # only the chosen operation's parameters show
    page.get_by_label("Operation").select_option("resize")
    expect(page.get_by_label("Width")).to_be_visible()
    page.get_by_label("Operation").select_option("enhance")

    page.locator("#id_image").set_input_files(str(picture))
    expect(page.locator("#drop-label")).to_have_text("dull.jpg")
    page.get_by_role("button", name="Run").click()

    page.wait_for_url("**/vision/jobs/**")
    after = page.get_by_test_id("after-image")
    expect(after).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("before-image")).to_be_visible()
    page.wait_for_function("document.querySelector('[data-testid=after-image]').naturalWidth === 320")
    report = page.get_by_test_id("enhance-report")
    expect(report).to_contain_text("RMS contrast")
    page.locator("#compare-range").fill("20")
    assert "20%" in page.locator("#compare-over").get_attribute("style")

    page.get_by_role("link", name="Images").first.click()
    expect(page.get_by_test_id("vision-history").locator("img")).to_have_count(1)
    assert page.console_errors == []
