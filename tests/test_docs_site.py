"""Slow tier: the built wiki of generated projects, opened in a real browser.

Each project is generated, installed, run (`make pipeline`) and its wiki built (`make
docs`); the site is served on the loopback interface and Chromium, driven by Playwright,
follows the navigation to every page of the method, checks that the pipeline's diagram is
drawn as SVG by the vendored Mermaid, that the tables show numbers, and that the
requirements and the budget are those of the project's own answers. Any request that
leaves the machine is blocked and fails the test: the site works offline.

Every page of the navigation is opened at 1400 px and 390 px, unless another wiki of the run
already checked a page with the same article (an API page of a module that does not change
from one project to another, a method page that names nothing of the project): the page
around the article, the same on every page of a wiki, is checked on the wiki's other pages.
With ``SCREENSHOTS=1`` in the environment, each is also screenshotted into
``artifacts/docs-site/<project>/desktop/`` and ``.../phone/`` (git-ignored) for people to
look at; by default no screenshot is taken, as no check reads them and they were about 40 %
of the browser's work (CI's time).
Chromium comes from the system (``apt-get install chromium``); Playwright never downloads
a browser here.

Material's search builds its index in a web worker at every page load: about 0.3 s of the
browser's CPU a page, for no check but the search's own. Pages are opened without that
worker (``page``), except in the test of the search itself (``searchable_page``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIGURES, ROOT, locked, project_env, render, run, shared_path
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright
from test_generated_projects import GROWTH, MATURITY, built, on

from hooks.check_rendered import load_yaml

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "artifacts" / "docs-site"
AXE = ROOT / "tests" / "manifests" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1400, "phone": 390}
# Screenshots for people to look at, on demand: SCREENSHOTS=1 uv run pytest tests/test_docs_site.py
SCREENSHOTS = os.environ.get("SCREENSHOTS", "") not in {"", "0"}
# Text that must never reach a page: Sphinx roles and template syntax.
# (Code on the API pages may hold "{{" in a literal: only "{{ name" counts.)
RAW = re.compile(r":(?:func|class|meth|data|attr|mod|exc):`|\{%|%\}|\{\{ ?[a-z_]")
METHOD_SECTIONS = ("Assess", "Plan", "Execute", "Iterate")
# Requests that would leave the machine (data: and blob: URLs stay in the page).
LEAVING = ("http:", "https:", "ws:", "wss:", "ftp:")
# The browser's proxy: the discard port of the loopback, where nothing listens.
CLOSED = 9
# The mvp, growth and maturity wikis of a classification and a regression project. Four are
# the installed projects of test_generated_projects.py (BUILT), reused; the regression at
# growth and at maturity are built here, with the volumes of an hourly batch at growth.
REUSED = {
    "binary-both-github-local": "binary-both-github-local",
    "regression-batch-gitlab-s3": "regression-batch-gitlab-s3",
    "growth-binary-both": GROWTH,
    "maturity-binary-both": MATURITY,
}
BUILT_HERE: dict[str, dict[str, Any]] = {
    "growth-regression-batch-hourly": {
        "stage": "growth",
        "problem_type": "regression",
        "serving": "batch",
        "requests_per_day": "2000000",
        "peak_factor": "2",
        "latency_ms": "3600000",
        "minimum_metric": "0.3",
    },
    "maturity-regression-both": {"stage": "maturity", "problem_type": "regression"},
}
PROJECTS = [*REUSED, *BUILT_HERE]
STAGES = yaml.safe_load((ROOT / "template/docs/hooks/stages.yml").read_text(encoding="utf-8"))


def expected_needs(answers: dict[str, Any]) -> dict[str, Any]:
    """Serving mode, replicas and budget computed by hand from the answers and the
    illustrative amounts of business.yaml (50 requests/s per replica at 70 %, 150 a month
    per replica, 2 people at 600 a day for 8 weeks, 5 000 of data)."""
    requests = int(answers.get("requests_per_day", 10_000))
    default_latency = 86_400_000 if answers.get("serving") == "batch" else 300
    latency = int(answers.get("latency_ms", default_latency))
    if latency < 1_000:
        mode, load = "real-time", requests / 86_400 * float(answers.get("peak_factor", 3))
    else:
        assert latency >= 3_600_000, "only real-time and batch cases are computed here"
        mode, load = "batch", requests / min(latency / 1_000, 86_400)
    replicas = max(1, math.ceil(load / 35))
    total = 2 * 600 * 5 * 8 + replicas * 150 * 8 * 12 / 52 + 5_000
    return {"mode": mode, "replicas": replicas, "total": total, "requests": requests}


# Where the sites' servers also serve axe-core: a script the browser fetches, caches and
# keeps compiled from page to page (given inline to each page, it was compiled each time:
# about 0.2 s of the browser's CPU a page).
AXE_ROUTE = "/__tests__/axe.min.js"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request, and axe-core at ``AXE_ROUTE``."""

    def translate_path(self, path: str) -> str:
        if path == AXE_ROUTE:
            return str(AXE)
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site:
    """A generated project whose wiki is built and served on 127.0.0.1."""

    def __init__(self, name: str, root: Path, answers: dict[str, Any]) -> None:
        self.name = name
        self.root = root
        self.answers = answers
        handler = functools.partial(QuietHandler, directory=str(root / "site"))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.shots = ARTIFACTS / name
        if SCREENSHOTS:
            shutil.rmtree(self.shots, ignore_errors=True)
            for device in WIDTHS:
                (self.shots / device).mkdir(parents=True)
        self.benchmark = ""

    def nav_pages(self, page: Page) -> list[str]:
        """Every page of the navigation as the site draws it (the API reference's module
        pages included), as paths of the built site."""
        page.goto(self.url)
        links = page.locator("nav.md-nav--primary a.md-nav__link[href]").evaluate_all(
            "links => links.map(link => link.href)"
        )
        paths = dict.fromkeys(link.split("#")[0].removeprefix(self.url) for link in links)
        return [path for path in paths if not path.startswith(("http", ".."))]

    def method_pages(self) -> list[str]:
        """Titles of the method's pages, in the order of the generated mkdocs.yml."""
        nav = load_yaml((self.root / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
        titles = []
        for entry in nav:
            ((section, content),) = entry.items()
            if section not in METHOD_SECTIONS:
                continue
            if isinstance(content, str):
                titles.append(section)
            else:
                titles += [next(iter(page)) for page in content]
        return titles


@pytest.fixture(
    scope="module",
    params=[pytest.param(name, marks=on(REUSED.get(name, f"site-{name}"))) for name in PROJECTS],
    ids=str,
)
def site(
    request: pytest.FixtureRequest, template_src: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    if request.param in REUSED:
        project = built(REUSED[request.param], template_src, tmp_path_factory)
        root, answers = project.root, project.answers
        project.docs()  # `make docs`, once for this project's tests
    else:
        answers = BUILT_HERE[request.param]
        root = render(template_src, tmp_path_factory.mktemp(request.param) / "project", **answers)
        for target in ("install", "pipeline", "docs"):
            run(["make", target], root, timeout=900)
    served = Site(request.param, root, answers)
    yield served
    served.server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "the browser tests need Chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            # Nothing leaves the machine: every request but the loopback's goes to a closed
            # port (Chromium never proxies the loopback) and fails; `page` records it.
            args=["--no-sandbox", "--disable-gpu", f"--proxy-server=http://127.0.0.1:{CLOSED}"],
        )
        yield launched
        launched.close()


# Material's search worker, replaced by an idle stand-in: it would fetch the whole search
# index and build it at every page load, which the page's layout does not depend on.
WITHOUT_SEARCH = """(() => {
  const RealWorker = window.Worker;
  window.Worker = function (url, options) {
    if (!String(url).includes("/workers/search.")) return new RealWorker(url, options);
    const idle = new EventTarget();
    idle.postMessage = () => {};
    idle.terminate = () => {};
    return idle;
  };
})();"""


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A page that may only reach the served site, with Mermaid's shadow roots left open,
    without Material's search worker."""
    yield from opened_page(browser, site, search=False)


@pytest.fixture
def searchable_page(browser: Browser, site: Site) -> Iterator[Page]:
    """The same, with the site's search working."""
    yield from opened_page(browser, site, search=True)


def opened_page(browser: Browser, site: Site, search: bool) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    # Material draws each diagram into a closed shadow root; open it so the test can look.
    opened.add_init_script(
        "const attach = Element.prototype.attachShadow;"
        "Element.prototype.attachShadow = function (init) {"
        "  return attach.call(this, { ...init, mode: 'open' }); };"
    )
    if not search:
        opened.add_init_script(WITHOUT_SEARCH)
    outside: list[str] = []

    def note_outside(request: Request) -> None:
        # Listened to, not intercepted: routing every request through Python doubled
        # each page load. The browser's proxy setting makes these fail.
        if request.url.startswith(LEAVING) and not request.url.startswith(site.url):
            outside.append(request.url)

    opened.on("request", note_outside)
    yield opened
    context.close()
    assert outside == [], f"the site asked for resources off the machine: {outside}"


def open_from_nav(page: Page, title: str) -> None:
    """Click the page's link in the navigation sidebar and wait for it to load."""
    sidebar = page.locator("nav.md-nav--primary")
    with page.expect_navigation():  # until the new page's load event
        sidebar.get_by_role("link", name=title, exact=True).first.click()
    heading = page.locator("article h1").first.inner_text()
    assert heading.replace("¶", "").strip() == title  # the permalink sign aside


def numbers_in(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"-?[\d,]*\d(?:\.\d+)?", text)]


def table_rows(page: Page) -> dict[str, str]:
    """First column to second column of the table rows on the page."""
    rows = {}
    for row in page.locator("article table tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        if len(cells) >= 2:
            rows.setdefault(cells[0], cells[1])  # the first table that has the row
    return rows


def assert_charts(page: Page, expected: list[str]) -> None:
    """Each expected chart is an SVG image whose drawing holds data (paths or text)."""
    charts = page.locator("article figure.chart img").all()
    alts = [chart.get_attribute("alt") or "" for chart in charts]
    for start in expected:
        assert any(start in alt for alt in alts), (start, alts)
    for chart in charts:
        source = chart.get_attribute("src") or ""
        assert source.startswith("data:image/svg+xml;base64,"), source[:40]
        drawing = base64.b64decode(source.split(",", 1)[1]).decode("utf-8")
        assert drawing.count("<path") >= 3, chart.get_attribute("alt")
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100


ARTICLE = re.compile(r"<article\b.*?</article>", re.DOTALL)


class CheckedArticles:
    """The articles the page sweep has claimed, in every wiki of the run (all xdist workers).

    A page whose article (the built HTML between ``<article>`` and ``</article>``) another
    wiki already claimed is not opened again: the article lays out the same in any wiki, and
    the page around it (header, navigation, footer) is the same on all pages of a wiki.
    """

    def __init__(self, record: Path) -> None:
        self.record = record

    def claim(self, site: Site, path: str) -> bool:
        """True if no wiki claimed this page's article before: it is now this wiki's to check."""
        built = (site.root / "site" / path / "index.html").read_text(encoding="utf-8")
        article = ARTICLE.search(built)
        if article is None:
            return True
        digest = hashlib.sha256(article.group(0).encode()).hexdigest()
        with locked(self.record):
            claimed = self.record.read_text().split() if self.record.is_file() else []
            if digest in claimed:
                return False
            with self.record.open("a") as record:
                record.write(f"{digest}\n")
        return True


@pytest.fixture(scope="session")
def checked_articles(tmp_path_factory: pytest.TempPathFactory) -> CheckedArticles:
    return CheckedArticles(shared_path(tmp_path_factory, "docs-site-articles"))


def axe_violations(page: Page, context: str = "document") -> list[str]:
    """Serious and critical violations that axe-core finds on the open page: in the whole
    document, or in the part ``context`` selects (``"article"``)."""
    page.add_script_tag(url=urllib.parse.urljoin(page.url, AXE_ROUTE))
    found = page.evaluate(
        "async (context) => (await axe.run(context === 'document' ? document : context,"
        " {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ' (' + v.nodes.length + '): ' + v.help)",
        context,
    )
    return list(found)


def chart_problems(page: Page, path: str) -> tuple[list[str], list[str]]:
    """The charts of the open page (their alt texts), and those that are no SVG image
    holding data."""
    alts, problems = [], []
    for chart in page.locator("article figure.chart img").all():
        alt = chart.get_attribute("alt") or ""
        alts.append(alt)
        source = chart.get_attribute("src") or ""
        if not source.startswith("data:image/svg+xml;base64,"):
            problems.append(f"{path}: chart {alt!r} is no inline SVG")
            continue
        drawing = base64.b64decode(source.split(",", 1)[1]).decode("utf-8")
        if drawing.count("<path") < 3:
            problems.append(f"{path}: chart {alt!r} draws no data")
    return alts, problems


def test_every_page_fits_a_desktop_and_a_phone_and_axe_finds_nothing_serious(
    page: Page, site: Site, checked_articles: CheckedArticles
) -> None:
    """All pages of the navigation (the API reference's module pages included) at 1400 px
    and 390 px (screenshots with SCREENSHOTS=1), but those whose article another wiki of
    the run checked: no horizontal overflow of the page body, no raw roles or Jinja, every
    chart an SVG with data; axe-core (at 1400 px: the whole first page, then each page's
    article) finds no serious or critical issue."""
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    paths = site.nav_pages(page)
    modules = sorted(
        path.name for path in (site.root / "site/status/reference").iterdir() if path.is_dir()
    )
    assert len(modules) >= 10
    for module in modules:
        assert f"status/reference/{module}/" in paths, f"{module} missing from the navigation"
    problems: list[str] = []
    axe_total, axe_pages, charts, elsewhere = 0, 0, [], 0
    for path in paths:
        # With SCREENSHOTS=1 every page of every wiki is opened: people look at each wiki.
        if not SCREENSHOTS and not checked_articles.claim(site, path):
            elsewhere += 1
            continue
        diagram = False
        for device, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            # Each page is loaded at the first width and resized to the others: the CSS
            # and Material's scripts follow the viewport. A page with a diagram is loaded
            # again, for Mermaid lays it out once, at load.
            if device == "desktop" or diagram:
                page.goto(site.url + path)  # served from the loopback: loaded means complete
                diagram = page.locator("article .mermaid").count() > 0
                if diagram:
                    page.locator("div.mermaid svg").first.wait_for(state="visible", timeout=20_000)
            if SCREENSHOTS:
                name = path.strip("/").replace("/", "-") or "home"
                shot = site.shots / device / f"{name}.jpg"
                page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=70)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 1:
                problems.append(f"{device} {path}: {overflow} px of horizontal overflow")
            if device != "desktop":
                continue
            raw = RAW.search(page.locator("article").inner_text())
            if raw:
                problems.append(f"{path}: raw text {raw.group(0)!r}")
            alts, wrong = chart_problems(page, path)
            charts += [f"{path or 'home'}: {alt}" for alt in alts]
            problems += wrong
            # The header, the navigation and the footer are the same on every page of a
            # wiki: axe checks the whole of its first page, then each page's article
            # (half the time of a whole page).
            found = axe_violations(page, "article" if axe_pages else "document")
            axe_pages += 1
            axe_total += len(found)
            problems += [f"axe {path}: {violation}" for violation in found]
    FIGURES.append(
        f"docs site {site.name}: {len(paths)} pages, {len(paths) - elsewhere} x {len(WIDTHS)} "
        f"widths ({elsewhere} with an article another wiki's sweep checked), {len(charts)} "
        f"charts, axe on {axe_pages} pages: {axe_total} serious/critical violations"
    )
    FIGURES.extend(f"  chart {chart}" for chart in charts)
    assert problems == [], "\n".join(problems)


def test_every_stage_page_says_what_this_stage_ships(page: Page, site: Site) -> None:
    """Home, Work in stages and the roadmap describe the project's own stage (stages.yml),
    never another stage's, and the next stage's additions or that none comes."""
    stage = site.answers.get("stage", "mvp")
    names = list(STAGES)
    upcoming = names[names.index(stage) + 1] if stage != names[-1] else None
    for path in ("", "plan/stages/", "status/roadmap/"):
        page.goto(site.url + path)
        text = page.locator("article").inner_text()
        if path != "status/roadmap/":
            assert f"{stage}: {STAGES[stage]['summary']}" in text, path
        for other in names:
            if other not in (stage, upcoming):
                assert STAGES[other]["summary"] not in text, (path, other)
        if path:
            assert (STAGES[upcoming]["summary"] if upcoming else "is the last stage") in text
    page.goto(site.url)
    text = page.locator("article").inner_text()
    for name in names[: names.index(stage) + 1]:
        for item in STAGES[name]["ships"]:
            present = (site.root / item["file"].replace("<package>", package(site))).exists()
            assert (item["text"].replace("`", "") in text) == present, item


def package(site: Site) -> str:
    recorded = load_yaml((site.root / ".copier-answers.yml").read_text(encoding="utf-8"))
    return str(recorded["package_name"])


def test_every_method_page_is_reachable_from_the_navigation(page: Page, site: Site) -> None:
    """Each page of the method has a link in the navigation the browser draws, to a page of
    that title with its three parts (what to decide, the project's facts, what ships).

    The pages are fetched from the site's server, not opened: clicking a link of the
    navigation is what the other tests do (``open_from_nav``), and fifteen more page loads
    a wiki cost about 8 s of the browser's CPU for nothing they would check.
    """
    page.goto(site.url)
    titles = site.method_pages()
    assert titles[0] == "Product discovery" and titles[-1] == "Iterate" and len(titles) >= 14
    sidebar = page.locator("nav.md-nav--primary")
    for title in titles:
        link = sidebar.get_by_role("link", name=title, exact=True).first
        target = urllib.parse.urljoin(page.url, link.get_attribute("href") or "")
        with urllib.request.urlopen(target, timeout=10) as response:
            article = ARTICLE.search(response.read().decode("utf-8"))
        assert article is not None, target
        heading = re.search(r"<h1\b[^>]*>(.*?)</h1>", article.group(0), re.DOTALL)
        assert heading is not None, target
        text = html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).replace("¶", "").strip()
        assert text == title, (target, text)
        assert article.group(0).count("<h2") >= 3, title  # decide / project / ships


def test_search_finds_the_method_pages(searchable_page: Page, site: Site) -> None:
    """The search box, with the index the wiki's build wrote, leads to a method page."""
    page = searchable_page
    page.goto(site.url)
    # Material says "Initializing search" until its worker has built the index.
    meta = page.locator(".md-search-result__meta")
    expect(meta).to_have_text("Type to start searching", timeout=30_000)
    # Typed key by key: Material reads the query on each key's release.
    page.locator("input.md-search__input").press_sequentially("product discovery")
    best = page.locator(".md-search-result__list a.md-search-result__link").first
    expect(best).to_have_attribute("href", re.compile(r"/assess/product-discovery/$"))
    with page.expect_navigation():
        best.click()
    expect(page.locator("article h1").first).to_contain_text("Product discovery")


def test_pipeline_diagram_is_svg_and_metrics_show_money(page: Page, site: Site) -> None:
    page.goto(site.url)
    open_from_nav(page, "Pipeline and results")
    svg = page.locator("div.mermaid svg")
    svg.first.wait_for(state="visible", timeout=20_000)
    drawn = svg.first.text_content() or ""
    for stage in ("prepare", "assess", "train", "evaluate"):
        assert stage in drawn
    assert page.locator("article pre.mermaid").count() == 0  # no diagram left as code
    metrics = table_rows(page)
    for name in ("business_value", "business_value_baseline", "business_value_uplift"):
        assert metrics[name].endswith(" EUR") and numbers_in(metrics[name]), metrics
    primary = "r2" if site.answers.get("problem_type") == "regression" else "roc_auc"
    assert 0 < numbers_in(metrics[primary])[0] <= 1
    assert "Stage gate:" in page.locator("article").inner_text()
    regression = site.answers.get("problem_type") == "regression"
    expected = ["Actual against", "Residuals"] if regression else ["Confusion", "ROC", "Precision"]
    expected += ["Permutation feature importance", "across the last commits"]
    if site.answers.get("stage") == "maturity":
        expected += ["Champion, challenger and baseline"]
    assert_charts(page, expected)


def test_requirements_and_budget_follow_the_projects_answers(page: Page, site: Site) -> None:
    expected = expected_needs(site.answers)
    page.goto(site.url)
    open_from_nav(page, "Requirements and budget")
    rows = table_rows(page)
    assert numbers_in(rows["Requests per day"]) == [expected["requests"]]
    assert rows["Serving mode"] == expected["mode"]
    assert numbers_in(rows["Replicas"]) == [expected["replicas"]]
    assert numbers_in(rows["Total"])[0] == pytest.approx(expected["total"], abs=0.01)
    assert numbers_in(rows["Yearly gain over the baseline"])


def test_data_assessment_roadmap_and_reference_are_built_from_the_repo(
    page: Page, site: Site
) -> None:
    page.goto(site.url)
    open_from_nav(page, "Data assessment")
    rows = table_rows(page)
    assert numbers_in(rows["Rows"])[0] > 100 and numbers_in(rows["Missing cells"]) == [0]
    regression = site.answers.get("problem_type") == "regression"
    assert_charts(page, ["Histogram of" if regression else "Class balance of"])
    open_from_nav(page, "Stage roadmap")
    roadmap = page.locator("article").inner_text()
    assert "requirements.py" in roadmap and "make benchmark" in roadmap
    open_from_nav(page, "API reference")
    with page.expect_navigation():
        page.locator("article table").get_by_role("link", name="requirements", exact=True).click()
    headings = page.locator("article .doc-heading").all_inner_texts()
    assert any(".requirements" in text for text in headings), headings


# make benchmark measures the service of each stage (each adds middleware): once a stage.
ONCE_A_STAGE = (
    "binary-both-github-local",
    "growth-regression-batch-hourly",
    "maturity-regression-both",
)
# make docs-serve is the same command line at every stage, and the wiki it builds is built
# strictly at every stage by make docs: served once, on the largest wiki.
SERVED_WIKI = "maturity-regression-both"


def test_make_benchmark_measures_the_throughput_for_business_yaml(site: Site) -> None:
    if site.name not in ONCE_A_STAGE:
        pytest.skip("make benchmark runs on one project of each stage")
    site.benchmark = run(["make", "benchmark"], site.root).stdout
    assert re.search(r"[\d,]+ requests/s, p95 latency [\d.]+ ms", site.benchmark), site.benchmark
    assert "capacity.replica_throughput_rps" in site.benchmark


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_make_docs_serve_serves_the_live_wiki(site: Site) -> None:
    if site.name != SERVED_WIKI:
        pytest.skip(f"make docs-serve runs on one project ({SERVED_WIKI})")
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        ["make", "docs-serve", f"DOCS_ADDR={address}"],
        cwd=site.root,
        env=project_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, ended below
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                url = f"http://{address}/status/pipeline/"
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "make docs-serve did not answer in 90 s"
                time.sleep(0.5)
        assert "business_value_uplift" in page and '<pre class="mermaid">' in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_template_docs_fit_a_desktop_and_a_phone_and_axe_finds_nothing_serious(
    browser: Browser, tmp_path: Path
) -> None:
    """The template's own docs, built once: every page at 1400 px and 390 px (screenshots
    with SCREENSHOTS=1), no horizontal overflow, no raw Jinja, and no serious or critical
    axe violation."""
    site = tmp_path / "site"
    subprocess.run(
        ["uv", "run", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        capture_output=True,
    )
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    shots = ARTIFACTS / "template-docs"
    if SCREENSHOTS:
        shutil.rmtree(shots, ignore_errors=True)
    nav = load_yaml((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]
    paths = [next(iter(entry.values())) for entry in nav]
    problems: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WITHOUT_SEARCH)
    try:
        for device, width in WIDTHS.items():
            if SCREENSHOTS:
                (shots / device).mkdir(parents=True)
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                address = "" if path == "index.md" else path.removesuffix(".md") + "/"
                page.goto(url + address)  # served from the loopback: loaded means complete
                name = address.strip("/") or "home"
                if SCREENSHOTS:
                    page.screenshot(path=str(shots / device / f"{name}.png"), full_page=True)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 1:
                    problems.append(f"{device} {path}: {overflow} px of horizontal overflow")
                if "{% raw" in page.locator("article").inner_text():
                    problems.append(f"{path}: raw Jinja")
                if device == "desktop":
                    problems += [f"axe {path}: {found}" for found in axe_violations(page)]
    finally:
        context.close()
        server.shutdown()
    assert problems == [], "\n".join(problems)
