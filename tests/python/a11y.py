"""Browser checks of a page for the docs tests: accessibility (axe-core, vendored), keyboard
focus, zoom, horizontal overflow, language. Each returns the problems it found (empty: none),
so that a test can plant a fault and see the check report it.

axe-core (vendor/axe-core/axe.min.js, npm package axe-core 4.10.3, MPL-2.0, licence header
kept, LICENSE beside it) runs the WCAG 2.0 and 2.1 rules of levels A and AA.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """axe-core's violations of levels A and AA: [{id, impact, nodes, targets}]."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            // preload: false, axe would re-read the style sheets by XHR, refused on file://
            const result = await axe.run(document, {
                preload: false, runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""",
        WCAG_AA,
    )


def horizontal_overflow(page) -> int:
    """Pixels the page is wider than its window (0: no horizontal scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def zoom_problems(page) -> list[str]:
    """The viewport must let the reader zoom (WCAG 1.4.4)."""
    content = page.evaluate(
        "() => (document.querySelector('meta[name=viewport]') || {}).content || ''"
    )
    compact = content.replace(" ", "").lower()
    problems = []
    if "user-scalable=no" in compact or "user-scalable=0" in compact:
        problems.append(f"viewport forbids zoom: {content}")
    for part in compact.split(","):
        if part.startswith("maximum-scale=") and float(part.split("=", 1)[1] or 0) < 2:
            problems.append(f"viewport limits zoom: {content}")
    return problems


def focus_problems(page, selector: str = "article a[href]", max_tabs: int = 400) -> list[str]:
    """Press Tab through the page: every link matching `selector` must receive the focus, and
    every focused element must show a visible focus indicator (an outline of 2 px or more, or a
    box-shadow)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate(
        f"""() => document.querySelectorAll({selector!r})
                .forEach((a, i) => a.setAttribute('data-focus-check', i))"""
    )
    expected = page.evaluate(
        f"() => [...document.querySelectorAll({selector!r})]"
        ".filter(a => a.offsetParent !== null).map(a => a.getAttribute('data-focus-check'))"
    )
    reached: set[str] = set()
    invisible: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e || e === document.body) return null;
                const s = getComputedStyle(e);
                const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
                const shadow = s.boxShadow && s.boxShadow !== 'none';
                return {mark: e.getAttribute('data-focus-check'), visible: outline || shadow,
                        label: (e.tagName + ' ' + (e.textContent || '').trim()).slice(0, 60)};
            }"""
        )
        if state is None:
            continue
        if not state["visible"]:
            invisible.append(state["label"])
        if state["mark"] is not None:
            reached.add(state["mark"])
        if reached >= set(expected):
            break
    problems = [f"focus not visible on: {label}" for label in dict.fromkeys(invisible)]
    missing = [m for m in expected if m not in reached]
    if missing:
        problems.append(f"{len(missing)} of {len(expected)} content links never get the focus")
    return problems


def language(page) -> str | None:
    return page.locator("html").get_attribute("lang")
