"""The marketplace over HTTP: catalog with pricing bases, quotes for every kind of product, comparison,
storefronts, benefit illustrations, and quotes that stay as they were priced."""

from __future__ import annotations

import shutil
import time
from datetime import date, timedelta

import httpx
import pytest

from products.services import catalog

from .conftest import ROOT, free_port
from .helpers import today, wait_for

pytestmark = pytest.mark.integration

LIFE = {"birth_date": "1990-05-17", "sex": "male", "sum_insured": "500000"}


def test_the_catalog_publishes_every_products_pricing_basis(api):
    products = api.get("/products").json()
    assert len(products) >= 14
    assert {p["insurer_code"] for p in products} >= {"huaxia_mutual", "changan_life", "pingyuan_pc"}
    whole_life = api.get("/products/wl_par_huaxia").json()
    assert whole_life["pricing"]["mortality_table"] == "sult"
    # the version in force: 5 %, then from 2026-12-01 the regulator's 1.75 % cap on guaranteed rates
    assert whole_life["pricing"]["interest_rate"] == ("0.05" if today() < date(2026, 12, 1) else "0.0175")
    assert set(whole_life["pricing"]["loadings"]) == {"percent_of_gross", "per_mille_sum_insured", "policy_fee"}
    assert whole_life["participating"] is True
    assert whole_life["surrender_charges"]
    travel = api.get("/products", params={"type": "travel"}).json()
    assert {p["type"] for p in travel} == {"travel"} and len(travel) >= 2
    assert travel[0]["pricing"]["rate_table"]
    direct = api.get("/products", params={"insurer": "pingyuan_pc", "channel": "direct"}).json()
    assert direct and all(p["insurer_code"] == "pingyuan_pc" and "direct" in p["channels"] for p in direct)
    assert api.get("/products/nope").status_code == 404


@pytest.mark.parametrize(
    "request_body",
    [
        {
            "product_code": "wl_par_huaxia",
            **LIFE,
            "policy_term": "whole_life",
            "premium_term": "20",
            "frequency": "monthly",
        },
        {"product_code": "wl_par_changan", **LIFE, "premium_term": "single"},
        {
            "product_code": "endow_par_huaxia",
            **LIFE,
            "sum_insured": "100000",
            "policy_term": "20",
            "channel": "platform",
        },
        {"product_code": "term_changan", **LIFE, "policy_term": "to_age_60", "premium_term": "policy_term"},
        {"product_code": "ci_changan", **LIFE, "sum_insured": "300000", "premium_term": "20", "channel": "platform"},
        {
            "product_code": "medical_pingyuan",
            "birth_date": "1980-01-01",
            "sum_insured": "2000000",
            "social_insurance": False,
        },
        {
            "product_code": "pa_pingyuan",
            "birth_date": "1980-01-01",
            "sum_insured": "300000",
            "occupation_class": 4,
            "channel": "platform",
        },
        {
            "product_code": "travel_pingyuan",
            "birth_date": "1980-01-01",
            "sum_insured": "300000",
            "destination_zone": "europe",
            "trip_days": 12,
        },
    ],
    ids=lambda body: body["product_code"],
)
def test_every_kind_of_product_can_be_quoted_and_the_quote_explains_itself(api, request_body):
    r = api.post("/quotes", json=request_body)
    assert r.status_code == 201, r.text
    q = r.json()
    # the version in force on the stack's business date (products change version: wl_par_* on 2026-12-01)
    in_force = catalog().get(request_body["product_code"], today())
    assert q["product_version"] == in_force.version
    assert q["pricing_basis"]
    assert q["channel"] == request_body.get("channel", "direct")
    gross = float(q["gross_annual_premium"])
    assert gross > 0 and float(q["net_annual_premium"]) <= gross
    assert sum(float(line["amount"]) for line in q["breakdown"]) == pytest.approx(float(q["premium_per_year"]))
    assert all(line["label"] for line in q["breakdown"])
    assert q["valid_until"][:10] >= today().isoformat()
    assert api.get(f"/quotes/{q['id']}").json() == q


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"birth_date": "1950-01-01"}, "birth_date", "age_out_of_range"),
        ({"sum_insured": "500001"}, "sum_insured", "sum_insured_not_on_step"),
        ({"policy_term": "15"}, "policy_term", "policy_term_not_offered"),
        ({"premium_term": "single", "frequency": "monthly"}, "frequency", "frequency_not_offered"),
        ({"sex": None}, "sex", "sex_required"),
        ({"product_code": "nope"}, "product_code", "unknown_product"),
    ],
)
def test_a_life_quote_outside_the_product_is_refused_naming_the_field(api, change, field, code):
    body = {"product_code": "wl_par_huaxia", **LIFE, "policy_term": "whole_life", "premium_term": "20", **change}
    r = api.post("/quotes", json=body)
    assert r.status_code == 422, r.text
    assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, code)


def test_comparison_lists_every_insurer_cheapest_first(api):
    r = api.post(
        "/quotes/compare",
        json={"product_type": "term_life", **LIFE, "policy_term": "20", "premium_term": "policy_term"},
    )
    assert r.status_code == 200, r.text
    offers = r.json()
    assert {o["insurer_code"] for o in offers} >= {"huaxia_mutual", "changan_life"}
    premiums = [float(o["premium_per_year"]) for o in offers if o["available"]]
    assert premiums == sorted(premiums) and len(premiums) >= 2
    assert all("deductible" in o and "waiting_period_days" in o and o["key_exclusions_en"] for o in offers)
    unavailable = api.post(
        "/quotes/compare", json={"product_type": "medical", "birth_date": "1980-01-01", "sum_insured": "2000000"}
    ).json()
    assert any(not o["available"] and o["problem_code"] == "sum_insured_not_offered" for o in unavailable)
    bad = api.post("/quotes/compare", json={"product_type": "pets", **LIFE})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "product_type"


def test_a_participating_quote_has_an_illustration_and_its_pdf(api):
    q = api.post(
        "/quotes",
        json={
            "product_code": "endow_par_changan",
            **LIFE,
            "sum_insured": "100000",
            "policy_term": "10",
            "premium_term": "policy_term",
        },
    ).json()
    ill = api.get(f"/quotes/{q['id']}/illustration", headers={"Accept-Language": "en"}).json()
    assert len(ill["years"]) == 10
    assert set(ill["scenario_rates"]) == {"low", "medium", "high"}
    last = ill["years"][-1]
    assert float(last["maturity_benefit"]) == 100000
    high, medium = (float(last["accumulated_dividends"][s]) for s in ("high", "medium"))
    # both versions illustrate dividends; from 2026-12-01 at 2.75 % / 3.5 % over the 1.75 % pricing rate
    assert high > medium > 0
    assert "not guaranteed" in ill["guaranteed_note"]
    first = api.get(f"/quotes/{q['id']}/illustration.pdf")
    assert first.status_code in (200, 409)
    pdf = wait_for(lambda: api.get(f"/quotes/{q['id']}/illustration.pdf"), lambda r: r.status_code == 200, timeout=60)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    travel = api.post(
        "/quotes",
        json={
            "product_code": "travel_huaxia",
            "birth_date": "1980-01-01",
            "sum_insured": "200000",
            "destination_zone": "asia",
            "trip_days": 5,
        },
    ).json()
    assert api.get(f"/quotes/{travel['id']}/illustration").status_code == 404


def test_storefronts_and_catalog_pages(stack):
    with httpx.Client(base_url=stack.base_url, headers={"Accept-Language": "en"}) as browser:
        store = browser.get("/insurers/pingyuan_pc").text
        assert "Pingyuan" in store and "Travel" in store
        assert "Whole life" not in store  # only this insurer's direct products
        listing = browser.get("/products", params={"type": "critical_illness"}).text
        assert listing.count("/products/ci_") >= 2 and "/products/travel_" not in listing
        compare = browser.get("/compare", params={"product_type": "participating_whole_life"})
        assert compare.status_code == 200 and "Compare offers" in compare.text
        detail = browser.get("/products/wl_par_huaxia").text
        assert "Premium term" in detail and "Insured's sex" in detail


def test_a_stored_quote_keeps_its_price_when_a_new_version_takes_over(stack, api, tmp_path):
    # given a quote priced on today's catalog
    body = {"product_code": "pa_basic", "birth_date": "1980-01-01", "sum_insured": "300000", "occupation_class": 2}
    old = api.post("/quotes", json=body).json()
    assert old["gross_annual_premium"] == "390.00"
    # when a second server runs with a new pa_basic version effective today (rates up 10 %) and a product
    # that only starts next month
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "products" / "catalog", catalog)
    effective = today().isoformat()
    src = (catalog / "pa_basic" / "2026-01-01.toml").read_text()
    new = src.replace('effective_from = "2026-01-01"', f'effective_from = "{effective}"').replace(
        '2 = "1.3"', '2 = "1.43"'
    )
    (catalog / "pa_basic" / f"{effective}.toml").write_text(new)
    future = (today() + timedelta(days=31)).isoformat()
    (catalog / "pa_later").mkdir()
    (catalog / "pa_later" / f"{future}.toml").write_text(
        src.replace('code = "pa_basic"', 'code = "pa_later"').replace(
            'effective_from = "2026-01-01"', f'effective_from = "{future}"'
        )
    )
    port = free_port()
    web = stack.start("web-new-catalog", "web", "--port", str(port), env={"CATALOG_DIR": str(catalog)})
    try:
        other = f"http://127.0.0.1:{port}/api/v1"
        wait_for(lambda: _ok(other + "/products"), bool, timeout=30)
        # then new quotes use the new version, the stored quote is unchanged, and the future product waits
        fresh = httpx.post(other + "/quotes", json=body).json()
        assert (fresh["product_version"], fresh["gross_annual_premium"]) == (effective, "429.00")
        again = httpx.get(f"{other}/quotes/{old['id']}").json()
        assert (again["product_version"], again["gross_annual_premium"]) == ("2026-01-01", "390.00")
        early = httpx.post(other + "/quotes", json={**body, "product_code": "pa_later"})
        assert early.status_code == 422
        assert early.json()["errors"][0] == {
            **early.json()["errors"][0],
            "field": "product_code",
            "code": "product_not_effective",
        }
    finally:
        web.terminate()
        web.wait(timeout=15)


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        time.sleep(0.2)
        return False


def test_an_agent_quotes_for_a_client_who_then_buys_it(api):
    from insure.seed import DEMO_PASSWORD

    from .helpers import apply, auth, register

    agent = api.post("/auth/token", json={"email": "agent@insure.test", "password": DEMO_PASSWORD}).json()
    client = register(api)
    q = api.post(
        "/quotes",
        json={
            "product_code": "pa_pingyuan",
            "birth_date": client["birth_date"],
            "sum_insured": "200000",
            "channel": "platform",
        },
        headers={"Authorization": f"Bearer {agent['access_token']}"},
    ).json()
    assert q["quoted_by_agent"] is True and q["channel"] == "platform"
    bought = apply(api, client, q["id"])
    assert bought["status"] == "accepted"
    assert api.get(f"/policies/{bought['policy_number']}", headers=auth(client)).json()["channel"] == "platform"


def test_a_bonus_products_illustration_shows_its_bonuses_the_cover_with_them_and_a_plain_summary(api):
    # given a quote for the reversionary-bonus whole life product, premiums for 10 years
    q = api.post(
        "/quotes",
        json={"product_code": "wl_bonus_changan", **LIFE, "policy_term": "whole_life", "premium_term": "10"},
    ).json()
    # when its illustration is asked for in English
    ill = api.get(f"/quotes/{q['id']}/illustration", headers={"Accept-Language": "en"}).json()
    # then it says it illustrates reversionary bonuses, with the rates of each scenario
    assert ill["style"] == "reversionary_bonus" and ill["shows_dividends"] is True
    assert ill["pricing_rate"] == "0.0175" and ill["scenario_rates"]["low"] == "0.0175"
    assert set(ill["bonus_rates"]) == set(ill["terminal_bonus_rates"]) == {"low", "medium", "high"}
    assert (
        float(ill["bonus_rates"]["low"]) == 0 < float(ill["bonus_rates"]["medium"]) < float(ill["bonus_rates"]["high"])
    )
    # and year by year the cover grows by the bonuses added (none in the low scenario, which is guaranteed only)
    years = ill["years"]
    for y in years:
        for s in ("low", "medium", "high"):
            assert float(y["sum_insured_with_bonuses"][s]) == pytest.approx(500000 + float(y["bonuses"][s]))
        assert float(y["bonuses"]["low"]) == float(y["terminal_bonus"]["low"]) == 0
        assert float(y["total_value"]["low"]) == float(y["cash_value"])
        assert float(y["total_value"]["high"]) >= float(y["total_value"]["medium"]) >= float(y["cash_value"])
    tenth = years[9]
    assert float(tenth["bonuses"]["medium"]) > 0 and float(tenth["terminal_bonus"]["medium"]) > 0
    assert float(years[-1]["sum_insured_with_bonuses"]["high"]) > float(tenth["sum_insured_with_bonuses"]["high"])
    # and a plain summary in the reader's language says what it could be and that bonuses are not guaranteed
    assert ill["summary"][0].startswith("If you pay ") and "for 10 years" in ill["summary"][0]
    assert "the sum insured could grow to" in ill["summary"][1] and ill["summary"][-1] == "Bonuses are not guaranteed."
    chinese = api.get(f"/quotes/{q['id']}/illustration", headers={"Accept-Language": "zh-CN"}).json()
    assert "共交 10 年" in chinese["summary"][0] and chinese["summary"][-1] == "增额红利和终了红利不保证。"


def test_a_cash_dividend_illustration_has_no_bonus_figures_and_its_total_is_cash_value_plus_dividends(api):
    q = api.post(
        "/quotes",
        json={"product_code": "wl_par_changan", **LIFE, "policy_term": "whole_life", "premium_term": "20"},
    ).json()
    ill = api.get(f"/quotes/{q['id']}/illustration", headers={"Accept-Language": "en"}).json()
    assert ill["style"] == "cash" and ill["bonus_rates"] == {} and ill["terminal_bonus_rates"] == {}
    assert ill["shows_dividends"] is True and ill["summary"][-1] == "Dividends are not guaranteed."
    for y in ill["years"]:
        assert y["bonuses"] == {} and y["sum_insured_with_bonuses"] == {} and y["terminal_bonus"] == {}
        for s in ("low", "medium", "high"):
            total = float(y["cash_value"]) + float(y["accumulated_dividends"][s])
            assert float(y["total_value"][s]) == pytest.approx(total, abs=0.01)


def test_the_illustration_schema_is_described_in_the_openapi_document(stack):
    schemas = httpx.get(stack.base_url + "/schema/openapi.json").json()["components"]["schemas"]
    year, out = schemas["IllustrationYearOut"]["properties"], schemas["IllustrationOut"]["properties"]
    for field in ("bonuses", "sum_insured_with_bonuses", "terminal_bonus", "total_value"):
        assert year[field].get("description"), field
    for field in ("style", "bonus_rates", "terminal_bonus_rates", "summary", "shows_dividends"):
        assert out[field].get("description"), field
