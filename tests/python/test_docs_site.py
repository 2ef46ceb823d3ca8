"""The French data-dictionary site, tested in a real browser, and the printable dictionary.

dbt's own docs for analysts are `dbt docs generate --static` (site/dbt/index.html) with the
French overview of docs/site/; scripts/build_docs.py builds them from a synthetic run, beside
the committee's site (site/index.html, pipase docs: its browser checks are at the end of this
file; test_docsite.py tests its builder without a browser). Headless Chromium (Debian's
/usr/bin/chromium, driven by Playwright; never `playwright install`) opens it from file://,
searches annex 2 fields by their French wording, opens the column's description, shows the
lineage graph from the sources to the annex 2 tables, and counts every request that is not
file:, data: or about: (there must be none). Screenshots go to screenshots/ for a person to read.

The session fixture reuses site/ when it is newer than everything it is built from, else builds
it: `pipase synth --youths 150`, `pipase load`, measure_hash_rate, `dbt build` into a pytest
folder, then build_docs.py into site/ (a few minutes). A site folder given in
PIPASE_DOCS_SITE_DIR is used as it is when it holds an index.html.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from html import escape as html_escape
from pathlib import Path

import duckdb
import pytest
import yaml

from pipase import PROTOCOL_VERSION

REPO = Path(__file__).resolve().parents[2]
SITE_DIR = Path(os.environ.get("PIPASE_DOCS_SITE_DIR", REPO / "site"))
SCREENSHOTS = REPO / "screenshots"
ANNEX = REPO / "docs" / "annex2.yml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "about:")
# What the site is built from: when any of these is newer than site/index.html, rebuild.
BUILD_INPUTS = [
    "dbt_project.yml",
    "models",
    "macros",
    "tests/generic",
    "seeds",
    "docs/site/overview.md",
    "docs/annex2.yml",
    "scripts/build_docs.py",
    "scripts/build_dictionary.py",
    "scripts/check_docs_completeness.py",
    "scripts/evaluate_linkage.py",
    "src/pipase/docsite",
]
EXTRACTIONS = ("iodas_ase", "webrsa", "nova_dpas", "iodas_dpas", "iodas_mdph")


def _script(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


completeness = _script("check_docs_completeness")
build_docs = _script("build_docs")


def _newest_input() -> float:
    newest = 0.0
    for name in BUILD_INPUTS:
        path = REPO / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def _embedded(html_text: str, key: str) -> dict:
    """The manifest or catalog that dbt embeds in static_index.html."""
    start = html_text.find(f'{key}:{{"metadata"')
    assert start >= 0, f"no embedded {key}"
    value, _ = json.JSONDecoder().raw_decode(html_text, start + len(key) + 1)
    return value


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    index = SITE_DIR / "index.html"
    chosen = "PIPASE_DOCS_SITE_DIR" in os.environ
    if index.exists() and (chosen or index.stat().st_mtime > _newest_input()):
        return SITE_DIR
    work = tmp_path_factory.mktemp("docs_run")
    env = {
        **os.environ,
        "PIPASE_DUCKDB_PATH": str(work / "pipase.duckdb"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DO_NOT_TRACK": "1",
    }
    env.pop("PIPASE_HASH_KEY", None)  # the plain variant, as partners hash
    command = [
        sys.executable,
        str(REPO / "scripts" / "build_docs.py"),
        "--synthetic-run-if-missing",
        "--youths",
        "150",
        "--seed",
        "7",
        "--target-path",
        str(work / "target"),
        "--site-dir",
        str(SITE_DIR),
        "--quiet",
    ]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert index.exists()
    return SITE_DIR


@pytest.fixture(scope="session")
def site_html(site) -> str:
    return (site / "dbt" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def manifest(site_html) -> dict:
    return _embedded(site_html, "manifest")


@pytest.fixture(scope="session")
def annex() -> list:
    return completeness.load_annex(ANNEX)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


class Browser:
    """One Chromium with a fresh profile; records every request that leaves file://."""

    def __init__(self, playwright, profile: Path):
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        self.context.on("request", self._on_request)
        # Nothing may leave, even while a test fails: abort whatever is not local.
        self.context.route(re.compile(r"^(?!file:|data:|about:)"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_request(self, request) -> None:
        if not request.url.startswith(LOCAL_SCHEMES):
            self.outside.append(request.url)

    def open(self, path: Path, fragment: str = "") -> None:
        self.page.goto(path.resolve().as_uri() + fragment)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browser(playwright_instance, tmp_path):
    browser = Browser(playwright_instance, tmp_path / "chromium-profile")
    yield browser
    browser.close()
    assert browser.outside == [], f"requests outside file://: {browser.outside[:5]}"


def test_request_counter_sees_an_outside_request(playwright_instance, tmp_path):
    """The zero-request assertions can fail: a page with one outside image is caught."""
    page_file = tmp_path / "leak.html"
    page_file.write_text(
        '<html><body><img src="https://tracker.invalid/pixel.png"></body></html>', encoding="utf-8"
    )
    browser = Browser(playwright_instance, tmp_path / "profile")
    try:
        browser.open(page_file)
        browser.page.wait_for_load_state("load")
    finally:
        browser.close()
    assert browser.outside == ["https://tracker.invalid/pixel.png"]


def _screenshot(page, name: str, whole: bool = False) -> None:
    """A picture for a person to read; `whole` grows the window to the page's inner scroll."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    if whole:  # dbt docs scrolls inside a panel, so full_page alone shows one screen
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
        )
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 400, 16000)})
        page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    page.set_viewport_size(size)


# ---------------------------------------------------------------------------- the file


def test_site_is_one_file_with_tracking_off(site_html, manifest):
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    assert not build_docs.OUTSIDE_RESOURCE.search(site_html)
    # The overview is ours, in French, and the run's page was generated for this site.
    docs = manifest["docs"]
    assert (
        "PIPASE : ce qui sort du Département" in docs["doc.pipase.__overview__"]["block_contents"]
    )
    assert "Chiffres du run" in docs["doc.pipase.__pipase__"]["block_contents"]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^A-Z]", "", "".join(c for c in decomposed if c.isascii()).upper())


def test_site_holds_no_canary_identity(site):
    """Built from a synthetic run: its planted identities must not reach the site."""
    from pipase.synth.population import CANARIES, CANARY_SURNAME

    names = [CANARY_SURNAME, *(first for first, _, _ in CANARIES)]
    for path in site.iterdir():
        if path.suffix in (".html", ".csv"):
            folded = _fold(path.read_text(encoding="utf-8-sig"))
            assert not [n for n in names if _fold(n) in folded], path.name


# ---------------------------------------------------------------------------- in the browser


def test_home_page_is_the_french_overview_with_the_convention_map(browser, site):
    page = browser.page
    browser.open(site / "dbt" / "index.html")
    page.get_by_role("heading", name="PIPASE : ce qui sort du Département").wait_for()
    for heading in (
        "Les trois zones",
        "Le flux, des cinq extractions au paquet chiffré",
        "Où vit chaque règle de la convention",
        "Le protocole de hachage, en clair",
        "Les tables transmises (annexe 2)",
    ):
        assert page.get_by_role("heading", name=heading).count() == 1, heading
    # Each rule of article 4.1 and annexes 1-2 has a row linking to what implements it.
    rules = [
        "Extraction",
        "Cohorte",
        "Croisement",
        "Clé de hachage SHA-256",
        "Suppression des noms et prénoms",
        "Date de naissance minimisée en mois et année",
        "Numéro de dossier familial minimisé en code",
        "Nationalité minimisée en France / UE / hors UE",
        "Domicile des détenteurs de l'autorité parentale minimisé en commune",
        "Dates de mesures et prestations minimisées en mois et année",
        "Nom de l'organisme de placement minimisé en code",
        "Transmission",
        "Stockage",
        "Suppression des données",
    ]
    table = page.locator("h2:has-text('Où vit chaque règle') ~ table").first
    for rule in rules:
        strong = page.locator("td:first-child strong", has_text=re.compile("^" + re.escape(rule)))
        row = table.locator("tr", has=strong).first
        assert row.count() == 1, rule
        if rule not in ("Transmission", "Stockage", "Suppression des données"):
            assert row.locator("a[href^='#!/']").count() >= 2, rule
    # the flow is the committee site's diagram (an SVG drawn at build time), not ASCII art
    flow = page.locator("img[src='../graphiques/flux.svg']")
    flow.wait_for()
    assert flow.evaluate("i => i.complete && i.naturalWidth > 0")
    assert page.locator("pre", has_text="+-----------+").count() == 0
    _screenshot(page, "docs_accueil.png", whole=True)
    # A link of the map reaches its node's page.
    page.get_by_role("link", name="month_year", exact=True).first.click()
    page.get_by_role("heading", name=re.compile("month_year")).first.wait_for()
    assert page.url.endswith("#!/macro/macro.pipase.month_year")
    assert browser.errors == []


@pytest.mark.parametrize(
    ("wording", "model", "column", "detail"),
    [
        ("Lieu du placement", "annexe2_iodas_ase__placement", "lieu_placement", "93 / hors 93"),
        ("Statut MNA", "annexe2_iodas_ase__individu", "statut_mna", "Oui / non"),
    ],
)
def test_search_by_annex2_wording_reaches_the_column_description(
    browser, site, wording, model, column, detail
):
    page = browser.page
    browser.open(site / "dbt" / "index.html")
    page.fill("#search", wording)
    result = page.locator(".result-body h4", has_text=re.compile(rf"^\s*{model}\s*model"))
    result.first.click()
    page.wait_for_url(re.compile(rf"#!/model/model\.pipase\.{model}"))
    row = page.locator(
        "tr.column-row", has=page.locator("span.text-dark", has_text=re.compile(rf"^{column}$"))
    ).first
    row.click()
    expanded = row.locator("xpath=following-sibling::tr[1]")
    expanded.get_by_text(f"{wording} — « {detail} »").wait_for()
    text = expanded.inner_text()
    assert "(annexe 2)" in text
    assert f'"champ":"{wording}"' in text  # the column's meta annexe2.champ
    _screenshot(page, f"docs_{model}.png", whole=True)
    assert browser.errors == []


def _graph_nodes(page) -> list[tuple[str, str]]:
    return page.evaluate(
        """() => angular.element(document.body).injector().get('graph').graph.elements
              .filter(e => e.data && e.data.label && !e.data.hidden)
              .map(e => [e.data.unique_id, e.data.resource_type])"""
    )


def test_lineage_graph_runs_from_the_extractions_to_the_annex2_tables(browser, site, manifest):
    page = browser.page
    browser.open(site / "dbt" / "index.html", "#!/model/model.pipase.annexe2_iodas_ase__placement")
    page.locator("a[title='View Lineage Graph']").click()
    page.locator("a[ng-click='showExpanded()']").click()
    selector = page.locator("input[ng-model='selectorService.selection.dirty.include']")

    selector.fill("+annexe2_iodas_ase__placement")
    page.locator("#submit-graph-selection").click()
    page.wait_for_function(
        """() => angular.element(document.body).injector().get('graph').graph.elements
              .some(e => e.data && e.data.resource_type === 'source' && !e.data.hidden)"""
    )
    nodes = {unique_id for unique_id, _ in _graph_nodes(page)}
    # The whole chain of one table: extraction, staging, the door, the mart.
    for unique_id in (
        "source.pipase.iodas_ase.placements",
        "model.pipase.stg_iodas_ase__placements",
        "model.pipase.int_keys__iodas_ase__placements",
        "model.pipase.annexe2_iodas_ase__placement",
    ):
        assert unique_id in nodes, unique_id
    page.wait_for_timeout(1000)  # let the layout settle for the picture
    _screenshot(page, "docs_lignage_annexe2_iodas_ase__placement.png")

    selector.fill("+tag:leaving")
    page.locator("#submit-graph-selection").click()
    page.wait_for_function(
        """() => angular.element(document.body).injector().get('graph').graph.elements
              .filter(e => e.data && e.data.resource_type === 'model' && !e.data.hidden
                      && e.data.label.startsWith('annexe2_')).length >= 10"""
    )
    nodes = _graph_nodes(page)
    leaving = {n["unique_id"] for n in completeness.leaving_models(manifest)}
    shown = {unique_id for unique_id, _ in nodes}
    assert leaving <= shown
    sources = {u.split(".")[2] for u, kind in nodes if kind == "source"}
    assert set(EXTRACTIONS) <= sources
    assert browser.errors == []


def test_run_page_gives_the_protocol_version_variant_and_figures(browser, site):
    page = browser.page
    browser.open(site / "dbt" / "index.html")
    page.get_by_role("link", name="page « Chiffres du run »").click()
    page.get_by_role("heading", name="Chiffres du run dont ce site est tiré").wait_for()
    version_row = page.locator("tr", has_text="Version du protocole de hachage").first
    assert PROTOCOL_VERSION in version_row.inner_text()
    variant = page.locator("tr", has_text="Variante du protocole").first.inner_text()
    assert ("simple" in variant) != ("à clé" in variant)
    for heading in (
        "Croisement avec la cohorte ASE, par source",
        "Valeurs rejetées, par règle",
        "k-anonymat des tables transmises",
        "Attaque par dictionnaire sur les clés",
        "Résultats des tests du run",
    ):
        assert page.get_by_role("heading", name=heading).count() == 1, heading
    linkage = page.locator("h2:has-text('Croisement') ~ table").first.text_content()
    for source in ("WebRSA", "Nova-DPAS", "Iodas-DPAS", "Iodas-MDPH"):
        assert source in linkage
    _screenshot(page, "docs_chiffres_du_run.png", whole=True)
    assert browser.errors == []


def test_printable_dictionary_is_french_and_self_contained(browser, site, manifest):
    page = browser.page
    browser.open(site / "dbt" / "index.html")
    page.get_by_role("link", name="dictionnaire_annexe2.html").click()  # the home page's link
    page.get_by_role("heading", name="PIPASE : dictionnaire des données transmises").wait_for()
    assert page.url == (site / "dictionnaire_annexe2.html").resolve().as_uri()
    assert page.locator("html").get_attribute("lang") == "fr"
    sections = page.locator("section.table").count()
    assert sections == len(completeness.leaving_models(manifest))
    assert page.locator(".missing").count() == 0
    _screenshot(page, "docs_dictionnaire_annexe2.png")


# ---------------------------------------------------------------------------- the dictionary


def _dictionary_rows(site: Path) -> list[dict]:
    with (site / "dictionnaire_annexe2.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_dictionary_has_one_row_per_leaving_column(site, manifest):
    rows = _dictionary_rows(site)
    expected = Counter(
        (node["name"], column)
        for node in completeness.leaving_models(manifest)
        for column in node["columns"]
    )
    got = Counter((row["table"], row["colonne"]) for row in rows)
    assert got == expected
    assert all(row["type"] and row["description"] for row in rows)


def test_dictionary_covers_every_annex2_field(site, annex):
    rows = _dictionary_rows(site)
    covered = {(row["base"], row["champ annexe 2"]) for row in rows}
    missing = [(f.base, f.champ) for f in annex if (f.base, f.champ) not in covered]
    assert missing == []
    # Minimisation is the annex's own wording for the field.
    details = {(f.base, f.champ): f.detail for f in annex}
    for row in rows:
        detail = details.get((row["base"], row["champ annexe 2"]))
        if detail:
            assert row["minimisation"].startswith(detail), (row["table"], row["colonne"])


def test_annex2_copy_is_the_annex(annex):
    data = yaml.safe_load(ANNEX.read_text(encoding="utf-8"))
    assert [b["base"] for b in data["bases"]] == [
        "Iodas-ASE",
        "WebRSA",
        "Nova-DPAS",
        "Iodas-DPAS",
        "Iodas-MDPH",
    ]
    # Counted in the convention: Iodas-ASE 8 individu + 5 IP + 4 mesures + 5 placement + 4 hors
    # placement + 2 CJM = 28; WebRSA 16; Nova-DPAS 6; Iodas-DPAS 13; Iodas-MDPH 5: 68 fields.
    assert Counter(f.base for f in annex) == {
        "Iodas-ASE": 28,
        "WebRSA": 16,
        "Nova-DPAS": 6,
        "Iodas-DPAS": 13,
        "Iodas-MDPH": 5,
    }


# ---------------------------------------------------------------------------- the checks bite


def test_completeness_check_passes_on_the_site(manifest, annex):
    problems = completeness.check(manifest, annex)
    assert problems == [], completeness.report(problems)


def test_completeness_check_names_a_missing_field_and_an_english_description(manifest, annex):
    planted = json.loads(json.dumps(manifest))
    placement = planted["nodes"]["model.pipase.annexe2_iodas_ase__placement"]
    del placement["columns"]["lieu_placement"]["config"]["meta"]["annexe2"]
    placement["columns"]["lieu_placement"]["meta"] = {}
    placement["columns"]["nature_placement"]["description"] = "Kind of placement, one row each."
    lines = [p.line() for p in completeness.check_fields(planted, annex)]
    assert any("'Lieu du placement'" in line and "no column" in line for line in lines)
    assert "annexe2_iodas_ase__placement.lieu_placement: names no annex 2 field" in "\n".join(lines)
    assert any("nature_placement: description does not read as French" in x for x in lines)


def test_completeness_check_names_a_dead_link(manifest, tmp_path):
    (tmp_path / "page.md").write_text(
        "[ok](#!/model/model.pipase.annexe2_iodas_ase__ip) "
        "[gone](#!/model/model.pipase.annexe2_iodas_ase__nothing)",
        encoding="utf-8",
    )
    lines = [p.line() for p in completeness.check_links(manifest, tmp_path)]
    assert lines == [
        "page.md: link to an unknown node: model/model.pipase.annexe2_iodas_ase__nothing"
    ]


def test_french_detection_on_known_sentences():
    assert completeness.reads_as_french("Montant versé, en euros.")
    assert completeness.reads_as_french("Code INSEE de la commune (`93066`).")
    assert not completeness.reads_as_french("Rows matched by the primary key.")
    assert not completeness.reads_as_french("")


def test_build_refuses_a_database_without_the_synthetic_canaries(tmp_path):
    database = tmp_path / "not_synthetic.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema raw")
    con.execute(
        "create table raw.iodas_ase__individus as "
        "select 'DURAND' as nom_naissance, 'DURAND' as nom_usage"
    )
    con.close()
    with pytest.raises(build_docs.BuildError, match="synthetic runs only"):
        build_docs.gather_facts(database, None, None)


# ---------------------------------------------------------------------------- the committee's site
# site/index.html and its pages (pipase docs, MkDocs Material), built by build_docs.py from the
# synthetic run's record. Every page at a desktop and a phone width: French, no outside request,
# no console error, no horizontal scrolling, no axe-core violation of level A or AA, zoom allowed,
# every content link reached by the keyboard with a visible focus.

from a11y import (  # noqa: E402
    axe_violations,
    focus_problems,
    horizontal_overflow,
    language,
    zoom_problems,
)

COMMITTEE_PAGES = [
    "index.html",
    "chiffres.html",
    "risque.html",
    "dictionnaire.html",
    "protections.html",
    "convention.html",
]
WIDTHS = (1366, 390)


class CommitteeBrowser(Browser):
    """Also records console errors (the page's own, before any checker is injected)."""

    def __init__(self, playwright, profile: Path):
        super().__init__(playwright, profile)
        self.console: list[str] = []
        self.failed: list[str] = []  # requests the browser could not serve (missing files)
        self.page.on(
            "console", lambda m: self.console.append(m.text) if m.type == "error" else None
        )
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))


@pytest.fixture(scope="module")
def committee(playwright_instance, tmp_path_factory):
    browser = CommitteeBrowser(playwright_instance, tmp_path_factory.mktemp("committee-profile"))
    yield browser
    browser.close()
    assert browser.outside == [], f"requests outside file://: {browser.outside[:5]}"


def _committee_page(browser, site: Path, name: str, width: int):
    page = browser.page
    page.set_viewport_size({"width": width, "height": 900})
    browser.console.clear()
    browser.errors.clear()
    browser.failed.clear()
    browser.open(site / name)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", COMMITTEE_PAGES)
def test_committee_page_is_french_accessible_and_offline(committee, site, name, width):
    page = _committee_page(committee, site, name, width)
    assert language(page) == "fr"
    assert committee.console == [] and committee.errors == [], committee.console[:3]
    assert horizontal_overflow(page) <= 0
    assert zoom_problems(page) == []
    violations = axe_violations(page)
    assert violations == [], violations
    _screenshot(page, f"comite_{name.removesuffix('.html')}_{width}.png")
    if width == WIDTHS[0]:
        assert focus_problems(page) == []
    assert committee.outside == []


def test_committee_home_links_the_dbt_docs_and_back(committee, site):
    page = _committee_page(committee, site, "index.html", 1366)
    page.get_by_role("link", name="documentation dbt").click()
    page.wait_for_url(re.compile(r"/dbt/index\.html"))
    page.get_by_role("link", name="site du comité").first.click()
    home = (site / "index.html").resolve().as_uri()
    page.wait_for_url(lambda url: url == home)
    heading = page.get_by_role("heading", name="PIPASE : ce qui sort du Département, et comment")
    assert heading.count() == 1


def test_committee_search_works_from_file(playwright_instance, site, tmp_path):
    """The search runs in a worker; from file:// through the vendored iframe-worker shim."""
    browser = CommitteeBrowser(playwright_instance, tmp_path / "profile")
    try:
        page = _committee_page(browser, site, "index.html", 1366)
        search = page.locator("input.md-search__input")
        search.click()
        search.press_sequentially("variante", delay=50)
        result = page.locator(".md-search-result__item").first
        result.wait_for(timeout=30000)
        found = page.locator(".md-search-result").inner_text()
    finally:
        browser.close()
    assert "Risque" in found
    assert browser.console == [] and browser.errors == []
    assert browser.outside == []


def test_committee_run_page_shows_the_synthetic_run(committee, site):
    page = _committee_page(committee, site, "chiffres.html", 1366)
    text = page.locator("article").inner_text()
    assert "Données synthétiques" in text
    for heading in (
        "Chargement : lignes lues, chargées, rejetées",
        "Réconciliation : aucune ligne perdue",
        "Croisement avec la cohorte ASE, par source",
        "Qualité du croisement sur la vérité synthétique",
        "Durées du run",
    ):
        assert page.get_by_role("heading", name=heading).count() == 1, heading  # fmt: skip
    for chart in ("chargement", "croisement", "precision_rappel", "durees"):
        image = page.locator(f"img[src='graphiques/{chart}.svg']")
        assert image.count() == 1 and len(image.get_attribute("alt")) > 40, chart
        assert image.evaluate("i => i.naturalWidth > 0"), chart
    for raw in ("matched_internal", "matched_primary", "rows_in"):
        assert raw not in text


def test_axe_sees_a_planted_violation(playwright_instance, tmp_path):
    """The checker can fail: grey on white, an image without text, no language."""
    planted = tmp_path / "planted.html"
    planted.write_text(
        "<html><head><title>t</title></head><body><main><h1>Titre</h1>"
        '<p style="color:#bbb;background:#fff">texte pâle</p><img src="data:,x">'
        "</main></body></html>",
        encoding="utf-8",
    )
    browser = Browser(playwright_instance, tmp_path / "profile")
    try:
        browser.open(planted)
        ids = {v["id"] for v in axe_violations(browser.page)}
    finally:
        browser.close()
    assert {"color-contrast", "image-alt", "html-has-lang"} <= ids


def test_focus_zoom_and_overflow_checks_see_planted_faults(playwright_instance, tmp_path):
    planted = tmp_path / "planted.html"
    planted.write_text(
        '<html lang="fr"><head><meta name="viewport" content="width=device-width, '
        'user-scalable=no"><style>a:focus{outline:none}</style></head><body><article>'
        '<a href="#a">un</a> <a href="#b">deux</a><div style="width:3000px">large</div>'
        "</article></body></html>",
        encoding="utf-8",
    )
    browser = Browser(playwright_instance, tmp_path / "profile")
    try:
        browser.page.set_viewport_size({"width": 390, "height": 800})
        browser.open(planted)
        assert any("focus not visible" in p for p in focus_problems(browser.page))
        assert zoom_problems(browser.page)
        assert horizontal_overflow(browser.page) > 0
    finally:
        browser.close()


def test_focus_check_sees_an_unreachable_link(playwright_instance, tmp_path):
    planted = tmp_path / "planted.html"
    planted.write_text(
        '<html lang="fr"><head><style>a:focus{outline:3px solid #b00020}</style></head>'
        '<body><article><a href="#a">un</a> '
        '<a href="#b" tabindex="-1">deux</a></article></body></html>',
        encoding="utf-8",
    )
    browser = Browser(playwright_instance, tmp_path / "profile")
    try:
        browser.open(planted)
        problems = focus_problems(browser.page, max_tabs=20)
    finally:
        browser.close()
    assert problems == ["1 of 2 content links never get the focus"]


def test_committee_pages_cover_every_annex2_field_and_privacy_test(site, manifest, annex):
    """The dictionary names every annex 2 field; every kind of test on the leaving tables is
    explained in French on the page of minimisations and tests."""
    from pipase.docsite.build import _leaving_tests
    from pipase.docsite.texts import PRIVACY_TESTS

    dictionary = (site / "dictionnaire.html").read_text(encoding="utf-8")
    missing = [
        (f.base, f.champ) for f in annex if html_escape(f.champ, quote=False) not in dictionary
    ]
    assert missing == []
    kinds = _leaving_tests(manifest)
    assert kinds and set(kinds) <= set(PRIVACY_TESTS), set(kinds) - set(PRIVACY_TESTS)
    protections = (site / "protections.html").read_text(encoding="utf-8")
    assert "Autres tests" not in protections
    for kind in kinds:
        sentence = PRIVACY_TESTS[kind][1].split("`")[0]  # up to its first code span
        assert html_escape(sentence, quote=False) in protections, kind


# ---------------------------------------------------------------------------- dbt's page, checked
# site/dbt/index.html is dbt's page for analysts, patched at build time (pipase.docsite.dbt_page):
# the same checks as the committee's pages, on its home (the French overview) and the page of a
# leaving table. dbt's interface
# labels stay English (compiled into its JavaScript); the page declares French, as its texts are.
# Not checked here: keyboard focus reaching every content link (dbt's tree menu comes first in
# the tab order, hundreds of links); the patch makes the focus visible, tested without a browser
# in test_dbt_page.py.

DBT_OVERVIEW = "PIPASE : ce qui sort du Département"


def _dbt_page_checks(browser, path: Path, width: int, route: str = "") -> dict:
    page = _committee_page(browser, path.parent, path.name, width)
    if route:
        page.goto(path.resolve().as_uri() + "#!/" + route)
        page.get_by_role("heading", name=route.rsplit(".", 1)[-1]).wait_for()
    else:
        page.get_by_role("heading", name=DBT_OVERVIEW).wait_for()
    page.wait_for_timeout(500)  # the tree menu's lines are drawn after the overview
    return {
        "lang": language(page),
        "console": list(browser.console),
        "errors": list(browser.errors),
        "failed": list(browser.failed),
        "overflow": horizontal_overflow(page),
        "zoom": zoom_problems(page),
        "axe": axe_violations(page),
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("route", ["", "model/model.pipase.annexe2_iodas_ase__placement"])
def test_dbt_docs_page_is_french_accessible_and_offline(committee, site, route, width):
    """Its home (the French overview) and a leaving table's page."""
    found = _dbt_page_checks(committee, site / "dbt" / "index.html", width, route)
    assert found["lang"] == "fr"
    assert found["failed"] == [], found["failed"][:3]
    assert found["console"] == [] and found["errors"] == [], found["console"][:3]
    assert found["overflow"] <= 0
    assert found["zoom"] == []
    assert found["axe"] == [], found["axe"]
    _screenshot(committee.page, f"dbt_{route.rsplit('.', 1)[-1] or 'accueil'}_{width}.png")
    assert committee.outside == []


def _unpatched(html_text: str) -> str:
    """dbt's page with what the patch changed put back as dbt writes it."""
    from pipase.docsite import dbt_page

    text = re.sub(r'<style id="pipase-dbt-docs">.*?</style>', "", html_text, count=1, flags=re.S)
    text = text.replace('<html dir="ltr" lang="fr"', '<html dir="ltr" lang="en-US"', 1)
    text = text.replace(
        f'content="{dbt_page.VIEWPORT}"',
        'content="width=device-width,minimum-scale=1,maximum-scale=1,initial-scale=1"',
        1,
    )
    text = text.replace(
        f'<link rel="icon" href="{dbt_page.FAVICON}"/>',
        '<link rel="shortcut icon" href="${require(\'./assets/favicons/favicon.ico\')}"/>',
        1,
    )
    return text.replace('<use ng-attr-href="{{ getIcon(', '<use xlink:href="{{ getIcon(')


def test_dbt_docs_checks_fail_on_the_unpatched_page(committee, site, site_html):
    """Mutation: without the patch, the same checks see dbt's faults."""
    unpatched = _unpatched(site_html)
    assert unpatched != site_html
    path = site / "dbt" / "non_corrige.html"  # beside the real one: same relative links
    path.write_text(unpatched, encoding="utf-8")
    try:
        found = _dbt_page_checks(committee, path, WIDTHS[1])
    finally:
        path.unlink()
    assert found["lang"] == "en-US"
    assert any("getIcon" in url for url in found["failed"])
    assert any("favicon" in url for url in found["failed"])
    assert found["console"]
    assert found["zoom"]
    assert {"color-contrast", "meta-viewport"} <= {v["id"] for v in found["axe"]}
