"""Every page of the seeded demo on a phone (390×844): no page-level horizontal scroll, and no number
broken across lines — with a ledger of 1,000 transactions and seven-digit values.

The pages are found the way a person finds them: the navigation, then every link on those pages
(at most a few of each kind, so a 1,000-row ledger does not mean 1,000 edit pages)."""

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from apps.accounts.demo import DEMO_EMAIL
from apps.core import services as core_services
from apps.portfolio import selectors as portfolio_selectors
from apps.portfolio import services as portfolio_services
from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "phone-layout-demo-password"
# Links that change state, leave the UI, or download instead of showing a page.
SKIP = re.compile(r"/(logout|delete|export|download|cancel|undo|selfcheck)/|^/admin/|^/api/|/static/|/media/|\.csv$")
PER_KIND = 3

# In the page: how far the page scrolls sideways, which elements stick out of the viewport (outside any
# scrolling box), and which numbers are broken across lines (a number's text gives two line boxes).
LAYOUT_PROBE = r"""
() => {
  const width = document.documentElement.clientWidth;
  const overflow = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - width;
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const names = typeof el.className === "string" ? el.className.trim().split(/\s+/).slice(0, 3) : [];
    const cls = names.length && names[0] ? `.${names.join(".")}` : "";
    return `${el.tagName.toLowerCase()}${id}${cls} "${(el.textContent || "").trim().slice(0, 40)}"`;
  };
  const insideScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll" || ox === "hidden" || ox === "clip") return true;
    }
    return false;
  };
  const sticking = [];
  if (overflow > 0) {
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && !insideScroller(el)) sticking.push(describe(el));
      if (sticking.length >= 8) break;
    }
  }
  const NUMBER = /[-+−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|[-+−]?\d+\.\d+%?/g;
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector("main") || document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node && broken.length < 8; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, pre, code, textarea, .CodeMirror, canvas, svg")) continue;
    if (!parent.offsetParent && getComputedStyle(parent).position !== "fixed") continue;
    for (const match of node.data.matchAll(NUMBER)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(`${match[0]} in ${describe(parent)}`);
    }
  }
  return { overflow, sticking, broken };
}
"""


def _kind(path: str) -> str:
    """Pages of one kind share a path once ids are taken out: /portfolio/1/ and /portfolio/2/."""
    return re.sub(r"/(\d+|[0-9a-f-]{36})(?=/)", "/<id>", path)


def _big_ledger(portfolio, user, rows: int = 1_000) -> None:
    """Add ``rows`` transactions with seven-digit amounts, through the CSV import (one write)."""
    lines = ["date,type,symbol,quantity,price,fees,amount"]
    day = date(2006, 1, 2)
    for n in range(rows):
        day += timedelta(days=2)
        if n % 4 == 0:
            lines.append(f"{day},deposit,,,,0,{Decimal('9047309.89') + n}")
        elif n % 4 == 3:
            lines.append(f"{day},sell,GOOG,{100 + n % 7},{Decimal('1234.56') + n},9.95,")
        else:
            lines.append(f"{day},buy,GOOG,{1000 + n},{Decimal('1234.56') + n},9.95,")
    portfolio_services.import_transactions(
        portfolio=portfolio, actor=user, data="\n".join(lines).encode(), allow_duplicates=True
    )


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.PROPOSALS_DEMO_REPOSITORY = tmp_path / "demo-repository"
    settings.PROPOSALS_REPOSITORY_ROOTS = [str(tmp_path)]
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", allow_production=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    from apps.accounts.models import User

    user = User.objects.get(email=DEMO_EMAIL)
    portfolio = portfolio_selectors.portfolios_of(user=user).first()
    _big_ledger(portfolio, user)
    # A finished job, so the job pages have a detail page to show.
    job = core_services.enqueue_job(owner=user, kind="core.selfcheck")
    core_services.claim_job(job_id=job.id)
    core_services.complete_job(job_id=job.id, result={"value": 1234567.89})
    return user, portfolio


def _check(page, url: str, name: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    result = page.evaluate(LAYOUT_PROBE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    problems = []
    if result["overflow"] > 0:
        problems.append(f"{url}: the page scrolls {result['overflow']} px sideways: {result['sticking']}")
    if result["broken"]:
        problems.append(f"{url}: numbers broken across lines: {result['broken']}")
    return problems


def test_every_page_fits_a_phone(browser, live_server, demo):
    _user, portfolio = demo
    assert portfolio.transactions.count() > 1_000
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The portfolio pages replay a 1,000-row ledger; on a loaded CI machine that can take a while.
    page.set_default_navigation_timeout(90_000)
    problems = _check(page, f"{live_server.url}/accounts/login/", "login")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    # The navigation, then every page those pages link to, then one level more (detail pages).
    to_visit, seen, kinds = ["/"], set(), Counter()
    page.goto(f"{live_server.url}/")
    to_visit += [
        urlparse(h).path
        for h in page.locator("nav a[href^='/']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    ]
    visited = []
    for depth in range(4):
        next_round = []
        for path in to_visit:
            if path in seen or SKIP.search(path) or path in ("#", ""):
                continue
            seen.add(path)
            kind = _kind(path)
            if kinds[kind] >= PER_KIND:
                continue
            kinds[kind] += 1
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "dashboard"
            problems += _check(page, f"{live_server.url}{path}", name)
            visited.append(path)
            if depth < 3:
                hrefs = page.locator("main a[href^='/']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
                next_round += [urlparse(h).path for h in hrefs]
        to_visit = next_round
    context.close()

    # The crawl reached the pages that matter: every portfolio section and an instrument page.
    expected = [
        f"/portfolio/{portfolio.pk}/",
        f"/portfolio/{portfolio.pk}/transactions/",
        f"/portfolio/{portfolio.pk}/rebalance/",
        f"/portfolio/{portfolio.pk}/orders/",
        f"/portfolio/{portfolio.pk}/optimize/",
        f"/portfolio/{portfolio.pk}/backtests/",
        "/market/GOOG/",
        "/proposals/",
        "/nlp/",
        "/vision/",
        "/codegen/",
        "/jobs/",
    ]
    assert problems == [], "\n".join(problems)
    assert [p for p in expected if p not in visited] == [], visited
    assert any(re.fullmatch(r"/jobs/[0-9a-f-]{36}/", p) for p in visited), visited
    assert any(re.fullmatch(r"/portfolio/\d+/transactions/\d+/edit/", p) for p in visited), visited


def test_the_probe_catches_overflow_and_broken_numbers(browser, live_server):
    """The checks above can fail: a wide block and a narrow number cell are reported."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_content(
        "<main><div style='width:600px'>wide</div>"
        "<table><tr><td style='width:40px;word-break:break-all'>2,047,309.89</td></tr></table></main>"
    )
    result = page.evaluate(LAYOUT_PROBE)
    context.close()
    assert result["overflow"] > 0
    assert result["sticking"]
    assert result["broken"] and "2,047,309.89" in result["broken"][0]
