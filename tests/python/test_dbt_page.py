"""dbt's static docs page made fit for the site (pipase.docsite.dbt_page), without a browser.

The page is a small copy of the parts of dbt's static_index.html that the patch rewrites, as
dbt-core 1.11 writes them. The browser checks of the real page (1366 and 390 px: lang, no
broken request, no console error, no overflow, axe-core A/AA, and the unpatched page failing
them) are in test_docs_site.py.
"""

from __future__ import annotations

import re

import pytest

from pipase.docsite.dbt_page import patch_dbt_docs
from pipase.errors import PipaseError

DBT_PAGE = (
    '<!doctype html><html dir="ltr" lang="en-US" ng-app="dbt"><head>'
    '<meta charset="utf-8"/><title>dbt Docs</title>'
    '<meta name="viewport" content="width=device-width,minimum-scale=1,maximum-scale=1,'
    'initial-scale=1"/>'
    '<link rel="shortcut icon" href="${require(\'./assets/favicons/favicon.ico\')}"/>'
    "<style>*,*:before,*:after{position:relative;outline:none !important}</style>"
    '<script>var t=\'<svg class="icn menu-icon-on"><use xlink:href="{{ getIcon(item.type, '
    '\\\'on\\\') }}"></use></svg><svg class="icn menu-icon-off"><use xlink:href="{{ getIcon('
    "item.type, \\'off\\') }}\"></use></svg>'</script>"
    "</head><body><svg><title>icons</title></svg></body></html>"
)


def test_patch_declares_french_allows_zoom_and_requests_no_missing_file():
    page = patch_dbt_docs(DBT_PAGE)
    assert '<html dir="ltr" lang="fr"' in page
    assert "<title>PIPASE — documentation dbt pour les analystes</title>" in page
    assert "<title>icons</title>" in page  # the icon sprite's own title is left alone
    assert "maximum-scale" not in page and 'content="width=device-width,initial-scale=1"' in page
    # no attribute the browser would fetch while it still reads "{{ ... }}" or "${...}"
    assert not re.search(r'\s(?:xlink:)?(?:href|src)="(?:\{\{|\$\{)', page)
    assert page.count('<use ng-attr-href="{{ getIcon(item.type') == 2
    assert '<link rel="icon" href="data:image/svg+xml,' in page


def test_patch_style_comes_after_dbt_styles_and_shows_the_focus():
    page = patch_dbt_docs(DBT_PAGE)
    style = page.index('<style id="pipase-dbt-docs">')
    assert style > page.index("outline:none !important")  # later: wins over dbt's rule
    assert style < page.index("</head>")
    rule = re.search(r"\*:focus[^{]*\{([^}]*)\}", page[style:])
    assert rule and "outline: 3px solid" in rule.group(1) and "!important" in rule.group(1)


def test_patch_is_idempotent():
    once = patch_dbt_docs(DBT_PAGE)
    assert patch_dbt_docs(once) == once


@pytest.mark.parametrize(
    ("removed", "part"),
    [
        ('lang="en-US" ', "<html lang>"),
        ("<title>dbt Docs</title>", "<title>"),
        ('<meta name="viewport"', "viewport"),
        ('<link rel="shortcut icon"', "favicon"),
        ('<use xlink:href="{{ getIcon(', "getIcon"),
    ],
)
def test_patch_refuses_a_page_it_does_not_recognise(removed, part):
    """A new dbt that changed its page is noticed at build time, not shipped unpatched."""
    with pytest.raises(PipaseError) as raised:
        patch_dbt_docs(DBT_PAGE.replace(removed, "<x "))
    assert raised.value.rule == "dbt_docs_changed"
    assert part in str(raised.value)
    assert "static_index.html" in str(raised.value)


def test_build_site_writes_the_patched_page(tmp_path):
    """The committee site's build copies dbt's page through the patch (about five seconds)."""
    from test_docsite import _record

    from pipase.docsite.build import SiteInputs, build_site

    static = tmp_path / "static_index.html"
    static.write_text(DBT_PAGE, encoding="utf-8")
    build_site(SiteInputs(record=_record(), dbt_docs=static, synthetic=True), tmp_path / "site")
    assert (tmp_path / "site" / "dbt" / "index.html").read_text(encoding="utf-8") == (
        patch_dbt_docs(DBT_PAGE)
    )
