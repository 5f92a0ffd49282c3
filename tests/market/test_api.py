import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.market import services
from apps.market.models import Bar, Instrument, NewsItem, Quote
from tests.market.conftest import bundled

pytestmark = pytest.mark.django_db


def test_bundled_real_data_is_imported(goog, eurusd):
    assert goog.bars.filter(interval="1d").count() == 2148
    first = goog.bars.order_by("time").first()
    assert (str(first.time.date()), float(first.open), float(first.close)) == ("2004-08-19", 100, 100.34)
    assert eurusd.bars.filter(interval="1h").count() == 5000
    assert Quote.objects.get(instrument=goog).source == "last close"


def test_quote(auth_client, goog):
    body = auth_client.get("/api/v1/market/stocks/goog").json()
    assert body["symbol"] == "GOOG" and body["price"] == "806.19000000"
    assert body["source"] == "last close" and body["simulated"] is False
    previous = float(goog.bars.order_by("-time")[1].close)
    assert body["change_percent"] == round((806.19 / previous - 1) * 100, 4)


def test_unknown_symbol_is_404_naming_it(auth_client):
    response = auth_client.get("/api/v1/market/stocks/NOPE/history")
    assert response.status_code == 404
    assert "NOPE" in response.json()["error"]["message"]


def test_history_ranges_and_downsampling(auth_client, goog):
    one_year = auth_client.get("/api/v1/market/stocks/GOOG/history?range=1y").json()
    assert one_year["interval"] == "1d" and 240 <= one_year["count"] <= 260
    assert one_year["bars"][-1]["time"].startswith("2013-03-01")
    window = auth_client.get("/api/v1/market/stocks/GOOG/history?start=2010-01-01T00:00:00Z&end=2010-01-31T00:00:00Z")
    assert window.json()["count"] == 19
    merged = auth_client.get("/api/v1/market/stocks/GOOG/history?range=max&max_points=100").json()
    assert merged["count"] <= 100 and merged["downsampled"] is True
    with_indicators = auth_client.get("/api/v1/market/stocks/GOOG/history?range=1y&indicators=true").json()
    assert {"sma_20", "sma_200", "rsi_14", "macd", "bb_upper"} <= set(with_indicators["indicators"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("interval=2d", "interval"),
        ("range=17y", "range"),
        ("start=yesterday", "start"),
        ("start=2012-01-01T00:00:00Z&end=2011-01-01T00:00:00Z", "start"),
        ("range=1y&start=2012-01-01T00:00:00Z", "range"),
        ("max_points=3", "max_points"),
    ],
)
def test_bad_history_queries_name_the_field(auth_client, goog, query, field):
    response = auth_client.get(f"/api/v1/market/stocks/GOOG/history?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_history_over_the_limit_says_the_limit(auth_client, goog, settings):
    settings.MARKET_HISTORY_MAX_BARS = 1000
    response = auth_client.get("/api/v1/market/stocks/GOOG/history?range=max")
    assert response.status_code == 400
    assert "the limit is 1,000" in response.json()["error"]["fields"]["range"][0]


def test_analysis(auth_client, goog, django_assert_max_num_queries):
    body = auth_client.get("/api/v1/market/stocks/GOOG/analysis").json()
    assert body["interval"] == "1d" and body["bars"] == 2148
    assert body["indicators"]["sma_200"] == pytest.approx(678.89405)
    assert body["trend"] in {"up", "down", "sideways"} and 0 <= body["confidence"] <= 1
    assert 0.3 < body["risk"]["volatility"] < 0.4
    with django_assert_max_num_queries(4):  # cached: no bar query the second time
        assert auth_client.get("/api/v1/market/stocks/GOOG/analysis").json() == body


def test_analysis_is_recomputed_when_new_bars_arrive(auth_client, goog, django_capture_on_commit_callbacks):
    before = auth_client.get("/api/v1/market/stocks/GOOG/analysis").json()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_bars(
            instrument=goog,
            interval="1d",
            rows=[
                (
                    1,
                    {
                        "time": "2013-03-04",
                        "open": "806",
                        "high": "830",
                        "low": "805",
                        "close": "829",
                        "volume": "5000000",
                    },
                )
            ],
        )
    after = auth_client.get("/api/v1/market/stocks/GOOG/analysis").json()
    assert after["bars"] == before["bars"] + 1 and after["close"] == 829
    assert auth_client.get("/api/v1/market/stocks/GOOG").json()["price"] == "829.00000000"


def test_analysis_needs_enough_bars(auth_client, db):
    instrument = Instrument.objects.create(symbol="NEW", name="New Co")
    response = auth_client.get("/api/v1/market/stocks/NEW/analysis")
    assert response.status_code == 400 and "symbol" in response.json()["error"]["fields"]
    assert instrument.pk


def test_search_is_ranked_and_fuzzy(auth_client, goog, eurusd):
    assert [r["symbol"] for r in auth_client.get("/api/v1/market/stocks/search?q=GOOG").json()][:1] == ["GOOG"]
    assert auth_client.get("/api/v1/market/stocks/search?q=euro").json()[0]["symbol"] == "EURUSD"
    assert auth_client.get("/api/v1/market/stocks/search?q=gogle").json()[0]["symbol"] == "GOOG"
    assert auth_client.get("/api/v1/market/stocks/search?q=").status_code == 400


def test_movers_and_news(auth_client, goog, eurusd):
    gainers = auth_client.get("/api/v1/market/gainers/").json()
    losers = auth_client.get("/api/v1/market/losers/").json()
    assert all(g["change_percent"] > 0 for g in gainers) and all(lo["change_percent"] < 0 for lo in losers)
    assert {m["symbol"] for m in gainers + losers} <= {"GOOG", "EURUSD"}
    assert auth_client.get("/api/v1/market/indices/").json() == []
    services.add_news(
        items=[
            {
                "headline": "Google shares soar on record profit",
                "source": "Wire",
                "url": "https://example.com/a",
                "published_at": "2013-01-01T00:00:00Z",
                "symbols": ["GOOG"],
            }
        ]
    )
    services.add_news(
        items=[
            {
                "headline": "Duplicate",
                "source": "Wire",
                "url": "https://example.com/a",
                "published_at": "2013-01-01T00:00:00Z",
                "symbols": ["GOOG"],
            }
        ]
    )
    news = auth_client.get("/api/v1/market/stocks/GOOG/news").json()
    assert [(n["headline"], n["sentiment_label"], n["symbols"]) for n in news] == [
        ("Google shares soar on record profit", "positive", ["GOOG"])
    ]
    assert NewsItem.objects.count() == 1
    assert auth_client.get("/api/v1/market/stocks/GOOG/fundamentals").status_code == 404


BAD_CSV = (
    "date,open,high,low,close,volume\n"
    "2024-01-02,10,11,9,10.5,100\n"
    "2024-01-03,10,9,11,10,100\n"
    "2024-01-04,x,11,9,10,100\n"
)


def test_import_is_all_or_nothing_with_line_numbers(tmp_path, goog):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    with pytest.raises(CommandError) as error:
        call_command("import_bars", str(path), "--symbol", "ACME")
    message = str(error.value)
    assert "line 3: high 9 / low 11" in message and "line 4: open is not a number" in message
    assert not Instrument.objects.filter(symbol="ACME").exists()
    assert not Bar.objects.filter(time__year=2024).exists()


def test_import_csv_and_parquet(tmp_path, capsys):
    good = tmp_path / "acme.csv"
    good.write_text("date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10.5,12,10,11.5,150\n")
    call_command("import_bars", str(good), "--symbol", "acme", "--name", "Acme Corp")
    assert "Imported 2 1d bars for ACME" in capsys.readouterr().out
    acme = Instrument.objects.get(symbol="ACME")
    assert (float(acme.quote.price), float(acme.quote.previous_close)) == (11.5, 10.5)
    import pandas as pd

    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2024-01-04", "2024-01-05"], utc=True),
            "open": [11.5, 12],
            "high": [12.5, 13],
            "low": [11, 11.5],
            "close": [12, 12.5],
            "volume": [10, 20],
        }
    )
    parquet = tmp_path / "acme.parquet"
    frame.to_parquet(parquet)
    call_command("import_bars", str(parquet), "--symbol", "ACME")
    assert acme.bars.count() == 4
    call_command("import_bars", str(good), "--symbol", "ACME")  # re-import updates, no duplicates
    assert acme.bars.count() == 4


def test_admin_import_action(admin_client, goog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/admin/market/instrument/{goog.pk}/import-bars/"
    bad = SimpleUploadedFile("bad.csv", BAD_CSV.encode())
    response = admin_client.post(url, {"file": bad, "interval": "1d"})
    assert response.status_code == 200 and "line 3: high 9 / low 11" in response.content.decode()
    assert not goog.bars.filter(time__year=2024).exists()
    good = SimpleUploadedFile("good.csv", b"date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,100\n")
    assert admin_client.post(url, {"file": good, "interval": "1d"}).status_code == 302
    assert goog.bars.filter(time__year=2024).count() == 1
    chosen = admin_client.post("/admin/market/instrument/", {"action": "import_bars", "_selected_action": [goog.pk]})
    assert chosen.status_code == 302 and chosen["Location"].endswith(f"/{goog.pk}/import-bars/")


def test_prediction_job_reports_accuracy_next_to_baselines(auth_client, goog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post("/api/v1/market/stocks/GOOG/prediction", {"horizon": 5}, format="json")
    assert response.status_code == 202
    job = auth_client.get(response.json()["url"]).json()
    assert job["status"] == "succeeded", job["error"]
    result = job["result"]
    assert result["folds"] == 5 and len(result["fold_accuracy"]) == 5 and 0 <= result["accuracy"] <= 1
    assert set(result["baselines"]) == {"majority_direction", "persistence", "always_up", "always_down"}
    assert result["baselines"]["always_up"] + result["baselines"]["always_down"] == pytest.approx(1, abs=2e-4)
    assert result["purge_gap_bars"] == 5 and result["horizon_bars"] == 5
    low, high = result["accuracy_ci_95"]
    assert low < result["accuracy"] < high
    assert result["best_baseline"] in result["baselines"]
    # An edge is claimed only when the margin's interval lies above zero.
    assert result["beats_baseline"] == (result["margin_ci_95"][0] > 0)
    assert result["verdict"] == ("edge" if result["beats_baseline"] else "no edge")
    assert result["prediction"]["direction"] in {"up", "down"}
    assert auth_client.post("/api/v1/market/stocks/GOOG/prediction", {"horizon": 0}, format="json").status_code == 400
    assert auth_client.post("/api/v1/market/stocks/NOPE/prediction", {}, format="json").status_code == 404


def test_market_pages(client, user, goog, django_capture_on_commit_callbacks):
    client.force_login(user)
    index = client.get("/market/").content.decode()
    assert "GOOG" in index and 'data-testid="gainers"' in index
    assert "GOOG" in client.get("/market/search/?q=goo").content.decode()
    assert "Nothing matches" in client.get("/market/search/?q=zzzz").content.decode()
    page = client.get("/market/GOOG/").content.decode()
    assert 'data-history-url="/api/v1/market/stocks/GOOG/history"' in page and "Volatility" in page
    assert client.get("/market/NOPE/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/market/GOOG/prediction/")
    assert started.status_code == 302
    assert "Succeeded" in client.get(started["Location"]).content.decode()


def test_bundled_indices_are_real_and_the_default_benchmark(auth_client, goog):
    spx = bundled("SPX")
    bundled("IXIC")
    assert spx.bars.count() == 5031  # every trading day 1999-01-04 → 2018-12-31
    first = spx.bars.order_by("time").first()
    assert (first.time.date().isoformat(), str(first.close)) == ("1999-01-04", "1228.09997600")
    indices = auth_client.get("/api/v1/market/indices/").json()
    assert [i["symbol"] for i in indices] == ["IXIC", "SPX"]
    assert indices[1]["price"] == "2506.85009800" and indices[1]["source"] == "last close"

    analysis = auth_client.get("/api/v1/market/stocks/GOOG/analysis").json()
    assert analysis["benchmark"] == "SPX"
    # GOOG against the S&P 500 over 2004-2013: a high-beta, positively correlated stock.
    assert 0.9 < analysis["risk"]["beta"] < 1.4
    assert 0.5 < analysis["risk"]["correlation"] < 0.8
    assert analysis["risk"]["benchmark_observations"] > 2000
    nasdaq = auth_client.get("/api/v1/market/stocks/GOOG/analysis?benchmark=IXIC").json()
    assert nasdaq["benchmark"] == "IXIC" and nasdaq["risk"]["correlation"] > analysis["risk"]["correlation"]
    own = auth_client.get("/api/v1/market/stocks/SPX/analysis").json()
    assert own["benchmark"] is None and own["risk"]["beta"] is None
