"""The till (``/encaisser``), for a point of sale's login on a phone or a tablet: the
member's code typed or scanned with the camera (jsQR, vendored), the amount in French form,
a confirmation, the receipt; a retry after a network failure never pays twice (one
Idempotency-Key per sale). Today's takings, the month's receipts, the balance and the
requests to turn MonA back into euros. Nothing about who paid."""

from __future__ import annotations

from geo_caisse.core.territory import Territory
from maps._page import STATIC_URL, login_form, plain_page


def build_till_page(territory: Territory) -> str:
    """The till page for ``territory`` (French)."""
    main = ('<div id="gc-status" role="status" aria-live="polite"></div>'
            '<div id="gc-panel">' + login_form("Connexion du point de vente") + "</div>")
    return plain_page(territory, title="geo_caisse — encaisser des MonA",
                      heading="Encaisser des MonA", main_html=main, script="till_page.js",
                      css="money_pages.css",
                      extra='<nav class="gc-links" aria-label="Liens">'
                            '<a href="/producteur">Ma demande</a></nav>',
                      config={"jsqr": f"{STATIC_URL}/vendor/jsqr/jsQR.js"})
