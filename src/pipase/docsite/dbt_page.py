"""dbt's own static docs page (``dbt docs generate --static``), made fit for the site's checks.

The page is dbt's, for analysts; it is copied to ``site/dbt/index.html``. As dbt writes it, it
declares English (``lang="en-US"``, title "dbt Docs"), forbids zoom, hides the keyboard focus
(``*{outline:none !important}``), fails colour contrast, and asks the browser for two files
per tree line that do not exist: the icons' ``<use xlink:href="{{ getIcon(...) }}">`` is in the
DOM before Angular fills it in, and the favicon is a webpack ``${require(...)}`` left in place.

:func:`patch_dbt_docs` rewrites those parts of the text and adds one stylesheet. It refuses
(a :class:`PipaseError`) when a part it rewrites is not found, so that a new dbt version that
changed its page is noticed at build time rather than shipped unpatched.

What stays English: dbt's own interface labels (menus, tabs, "Columns", "Depends On", the
lineage graph's controls), which are compiled into its JavaScript; the project's texts shown in
it (overview, descriptions of the leaving tables and columns) are the project's, in French.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipase.errors import PipaseError
from pipase.i18n import _

TITLE = "PIPASE — documentation dbt pour les analystes"
VIEWPORT = "width=device-width,initial-scale=1"
# A favicon that needs no file: the site's indigo as a small SVG square.
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect width='16' height='16' rx='3' fill='%233f51b5'/%3E%3C/svg%3E"
)
MARK = "pipase-dbt-docs"

# Loaded after dbt's own styles. Colours are checked by axe-core (WCAG AA, 4.5:1 for text).
STYLE = """
/* pipase: a visible keyboard focus (dbt sets outline:none !important on every element) */
*:focus, *:focus-visible { outline: 3px solid #1a4fa0 !important; outline-offset: 2px; }
/* pipase: links inside text are underlined, not told apart by colour alone */
.app-details p a, .app-details li a, .app-details td a, .app-details .panel a,
.app-scroll p a, .app-scroll li a, .app-scroll td a { text-decoration: underline; }
/* pipase: AA contrast for dbt's pale greys and blues */
.text-light, .text-light * { color: #50565e !important; }
.menu a, .menu span, .menu .filename, .menu-tree, .menu-node, .app-menu span, .app-menu a,
.app-menu li, .nav-tabs li a { color: #2b3036 !important; }
a { color: #00676b; }
.app-details a:not(.btn), .app-scroll a:not(.btn) { color: #00676b !important; }
th, .table > thead > tr > th { color: #4a5259 !important; }
.menu .active > a, .menu a.active, .menu a.active * { color: #0b3d91 !important; }
.app-flush-bottom h1 small, .detail-body dt, dl dt { color: #50565e !important; }
.token.keyword { color: #005f85 !important; }
/* pipase: no scrolling region the keyboard cannot reach (axe scrollable-region-focusable) */
.detail-body { overflow: visible !important; }
/* pipase: readable at 390 px, without scrolling sideways */
@media (max-width: 600px) {
  /* the menu above the page, both full width, instead of a 960 px frame cut at the edge */
  .app { flex-direction: column !important; width: 100% !important; min-width: 0 !important; }
  .app-menu { flex: 0 0 35vh !important; width: 100% !important; max-width: 100% !important; }
  .app-content { flex: 1 1 auto !important; width: 100% !important; min-width: 0 !important; }
  .app-frame, .app-body, .app-content, .app-scroll, .app-details { max-width: 100vw; }
  pre, code, table { white-space: pre-wrap; word-break: break-word; }
  .table-responsive { overflow: visible !important; }
  table { max-width: 100%; word-break: break-word; }
}
"""


def _refuse(what: str) -> None:
    raise PipaseError(
        _("dbt's docs page: {part} not found, the page cannot be made accessible").format(
            part=what
        ),
        rule="dbt_docs_changed",
        file="static_index.html",
    )


def _replace_once(text: str, pattern: str, repl: str | Callable, what: str) -> str:
    new, count = re.subn(pattern, repl, text, count=1)
    if count != 1:
        _refuse(what)
    return new


def patch_dbt_docs(text: str) -> str:
    """dbt's static docs page, declared French, zoomable, with a visible focus, AA contrast,
    no horizontal scrolling at 390 px and no request for a file that does not exist."""
    if MARK in text:
        return text  # already patched
    text = _replace_once(text, r'(<html\b[^>]*?\blang=")[^"]*(")', r"\g<1>fr\g<2>", "<html lang>")
    text = _replace_once(text, r"<title>dbt Docs</title>", f"<title>{TITLE}</title>", "<title>")
    text = _replace_once(
        text,
        r'<meta name="viewport" content="[^"]*"\s*/?>',
        f'<meta name="viewport" content="{VIEWPORT}"/>',
        "viewport",
    )
    text = _replace_once(
        text,
        r'<link rel="shortcut icon" href="[^"]*"\s*/?>',
        f'<link rel="icon" href="{FAVICON}"/>',
        "favicon",
    )
    # The icons' template: a plain attribute Angular sets once it holds "#icn-...", instead of
    # an xlink:href the browser fetches while it still reads "{{ getIcon(...) }}".
    icons = '<use xlink:href="{{ getIcon('
    if icons not in text:
        _refuse("getIcon")
    text = text.replace(icons, '<use ng-attr-href="{{ getIcon(')
    style = f'<style id="{MARK}">{STYLE}</style>'
    return _replace_once(text, r"</head>", lambda _m: style + "</head>", "</head>")
