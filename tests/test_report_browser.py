"""`flowsg report html` in a real browser: headless Chromium (Debian's chromium and
chromium-driver, which .ci/run installs) opens the generated file from disk and the test checks
that the console holds no error, that nothing was fetched, that the sections and rows are there,
that hostile descriptions are shown as text (and no alert opened), that sorting and filtering
work; then it saves screenshots to tests/artifacts/ (git-ignored).

Skipped, saying why, only when there is no browser: selenium or /usr/bin/chromium or
/usr/bin/chromedriver missing. A browser that is there but fails is a failure.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_sample import QUOTES, QUOTES_RULE, SCRIPT, SCRIPT_RULE, hostile_database

from flowsg.cli import cli
from flowsg.report.html import SECTIONS

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1366,900",
)

webdriver = pytest.importorskip(
    "selenium.webdriver",
    reason="no browser: selenium is not installed (pip install -e '.[test]')",
)
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        "no browser: /usr/bin/chromium and /usr/bin/chromedriver are missing "
        "(apt-get install chromium chromium-driver; .ci/run does it when it can)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    db = hostile_database(folder)
    out = folder / "report.html"
    result = CliRunner().invoke(cli, ["report", "html", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, page: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        driver.get(page.as_uri())
        yield driver
    finally:
        driver.quit()


def visible_rules(browser: Any) -> list[str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "#groups tr.rule-row")
    return [r.get_attribute("data-rule") for r in rows if r.is_displayed()]


def test_no_console_error_and_nothing_fetched(browser: Any) -> None:
    assert browser.execute_script("return document.readyState") == "complete"
    messages = browser.get_log("browser")
    errors = [m for m in messages if m["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert fetched == []
    assert browser.execute_script("return document.scripts.length") == 1


def test_sections_and_rows(browser: Any) -> None:
    for ident, heading in SECTIONS:
        section = browser.find_element(By.ID, ident)
        assert section.is_displayed()
        assert heading.lower() in section.find_element(By.TAG_NAME, "h2").text.lower()
    assert len(visible_rules(browser)) == 31
    assert len(browser.find_elements(By.CSS_SELECTOR, "#groups .group")) == 8
    graph = browser.find_element(By.CSS_SELECTOR, "#graph-box svg")
    assert graph.is_displayed() and graph.size["width"] > 300
    chart = browser.find_element(By.CSS_SELECTOR, "#timeline .chart svg")
    assert len(chart.find_elements(By.TAG_NAME, "rect")) > 8


def test_hostile_descriptions_are_text(browser: Any) -> None:
    script = browser.find_element(By.CSS_SELECTOR, f'tr[data-rule="{SCRIPT_RULE}"] td.description')
    assert script.text == SCRIPT
    quotes = browser.find_element(By.CSS_SELECTOR, f'tr[data-rule="{QUOTES_RULE}"] td.description')
    assert quotes.text == QUOTES
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.execute_script("return document.querySelectorAll('img, iframe').length") == 0


def test_sorting_and_filtering(browser: Any) -> None:
    table = browser.find_element(By.CSS_SELECTOR, 'table.rules[data-group="sg-0e87bc61d7823bd3e"]')
    header = table.find_elements(By.CSS_SELECTOR, "thead th")[5]
    assert header.text.startswith("hits")

    def hits() -> list[int]:
        cells = table.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(6)")
        return [int(c.get_attribute("data-sort")) for c in cells]

    header.click()
    assert hits() == sorted(hits())
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert hits() == sorted(hits(), reverse=True)

    box = browser.find_element(By.CSS_SELECTOR, '#groups .toolbar input[type="search"]')
    box.send_keys(SCRIPT_RULE[:10])
    assert visible_rules(browser) == [SCRIPT_RULE]
    assert "1 of 31 shown" in browser.find_element(By.CSS_SELECTOR, "#groups .filter-count").text
    shown = [
        g for g in browser.find_elements(By.CSS_SELECTOR, "#groups .group") if g.is_displayed()
    ]
    assert len(shown) == 1
    box.clear()
    browser.execute_script(
        "var s = document.querySelector('#groups select');"
        "s.value = 'unused'; s.dispatchEvent(new Event('change'));"
    )
    assert len(visible_rules(browser)) == 5
    browser.execute_script(
        "var s = document.querySelector('#groups select');"
        "s.value = ''; s.dispatchEvent(new Event('change'));"
    )
    box.send_keys(" ")
    box.clear()
    browser.execute_script(
        "document.querySelector('#groups .toolbar input').dispatchEvent(new Event('input'))"
    )
    assert len(visible_rules(browser)) == 31
    messages = [m for m in browser.get_log("browser") if m["level"] in ("SEVERE", "ERROR")]
    assert messages == []


def test_screenshots(browser: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(ARTIFACTS / "report-top.png"))
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    full = ARTIFACTS / "report-full.png"
    full.write_bytes(base64.b64decode(shot["data"]))
    assert full.stat().st_size > 10_000
    browser.find_element(By.ID, "graph").location_once_scrolled_into_view  # noqa: B018
    assert browser.save_screenshot(str(ARTIFACTS / "report-graph.png"))
    assert shutil.disk_usage(ARTIFACTS).free > 0
