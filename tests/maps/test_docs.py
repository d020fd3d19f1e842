"""The API's documentation pages render offline (Swagger UI and ReDoc served by the app)."""

from __future__ import annotations

from typing import Any

from tests.maps.conftest import Site
from tests.utils.browser import view


def test_swagger_ui_and_redoc_render_without_internet(site: Site, browser: Any) -> None:
    with view(browser, "api-docs", full_page=False) as page:
        page.goto(site.base + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.eval_on_selector_all(".opblock-summary-path",
                                          "es => es.map(e => e.textContent)")
        assert "/api/places" in paths and "/api/suggestions" in paths
    with view(browser, "api-redoc", full_page=False) as page:
        page.goto(site.base + "/redoc")
        page.wait_for_selector("h1", timeout=30_000)
        assert "geo_caisse" in page.locator("h1").first.inner_text()
        assert page.get_by_text("/api/places").count() > 0
