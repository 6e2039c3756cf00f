"""The built book in headless Chromium: fixtures and one inspection per page.

The tests run on request only, after the book was built::

    make book
    python -m pytest -p no:cacheprovider -m browser tests/browser

Without ``-m browser`` (for instance in a plain ``pytest tests``) they are skipped with that
hint, so that the unit tests never judge a stale or missing build. They also skip, with the
reason, where the build, Playwright or Chromium is absent.

Every page of ``_build/html`` (theme assets, sources and downloads aside) is opened from disk
(``file://``) once, at a 1400 px wide viewport, and the browser's view of it is recorded: every
request (anything that is not a file of the build is refused and noted), console errors and
uncaught exceptions, the math, images, audio/video and the width of every element against the
page's main column. The tests in ``test_book_in_browser.py`` each judge one part of that record.

Environment:
    KMNET_BOOK_HTML   the built book (default: ``_build/html`` of the repository)
    KMNET_CHROMIUM    the Chromium binary (default: ``/usr/bin/chromium``, Debian's package;
                      Playwright drives it and never downloads a browser of its own)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KMNET_BOOK_HTML", ROOT / "_build" / "html")).resolve()
CHROMIUM = os.environ.get("KMNET_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 1000}
RUN_HINT = (
    "browser tests run on request, after the book is built: "
    "`make book`, then `python -m pytest -m browser tests/browser`"
)
# folders of the build that hold assets, not pages
NOT_PAGES = {"_static", "_sources", "_downloads", "_images"}
# how long one page may take to load and typeset (ms)
PAGE_TIMEOUT_MS = 60_000


def launch_args() -> list[str]:
    """Chromium flags: headless, no sandbox (CI runs as root), and nothing that phones home.

    ``--headless`` and a fresh ``--user-data-dir`` are given by Playwright (``headless=True``,
    ``launch_persistent_context`` on a new temporary folder), which refuses them in ``args``.
    """
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        # a request that escaped the interception below could not resolve any host either
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]


def book_pages(build: Path = BUILD) -> list[str]:
    """The pages of a built book, as paths relative to it (redirect stubs left out)."""
    if not build.is_dir():
        return []
    pages = []
    for path in sorted(build.rglob("*.html")):
        rel = path.relative_to(build)
        if rel.parts[0] in NOT_PAGES:
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:2000].lower()
        if 'http-equiv="refresh"' in head:
            continue
        pages.append(rel.as_posix())
    return pages


# --------------------------------------------------------------------------------------------
# collection: -m browser opt-in, one test per page
# --------------------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "browser" in (config.getoption("markexpr", "") or ""):
        return
    skip = pytest.mark.skip(reason=RUN_HINT)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "page" not in metafunc.fixturenames:
        return
    pages = book_pages()
    if pages:
        metafunc.parametrize("page", pages)
    else:
        metafunc.parametrize(
            "page",
            [pytest.param(None, marks=pytest.mark.skip(reason=f"no built book at {BUILD} (run `make book`)"))],
            ids=["no-build"],
        )


# --------------------------------------------------------------------------------------------
# the browser
# --------------------------------------------------------------------------------------------


def _chromium() -> str | None:
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    return path if path and os.access(path, os.X_OK) else None


@pytest.fixture(scope="session")
def book() -> Path:
    if not (BUILD / "index.html").is_file():
        pytest.skip(f"no built book at {BUILD} (run `make book`)")
    return BUILD


@pytest.fixture(scope="session")
def browser_context(book: Path):
    """One headless Chromium with a fresh profile for the session; every request that is not
    a file of the build is refused."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = _chromium()
    if chromium is None:
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="kmnet-chromium-")
    try:
        with sync_api.sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=chromium,
                headless=True,
                args=launch_args(),
                viewport=VIEWPORT,
                color_scheme="light",
                accept_downloads=False,
                service_workers="block",
            )
            refused: list[str] = []
            context.kmnet_refused = refused  # read per page by inspect_page

            def gate(route) -> None:
                url = route.request.url
                if inside_build(url, book):
                    route.continue_()
                else:
                    refused.append(url)
                    route.abort("blockedbyclient")

            context.route("**/*", gate)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def inside_build(url: str, build: Path) -> bool:
    """Whether ``url`` is a ``file://`` address of a file inside ``build``."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True  # nothing is fetched
    if parts.scheme != "file":
        return False
    path = Path(unquote(parts.path))
    try:
        path.resolve().relative_to(build)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# one page
# --------------------------------------------------------------------------------------------


@dataclass
class PageReport:
    """What the browser saw on one page."""

    page: str
    refused: list[str] = field(default_factory=list)  # requests for anything outside the build
    missing: list[str] = field(default_factory=list)  # files of the build that failed to load
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    media: list[dict] = field(default_factory=list)
    layout: dict = field(default_factory=dict)


# In-page inspection. Runs after load, once MathJax (if the page has it) finished typesetting.
_INSPECT_JS = r"""
async () => {
  const column = document.querySelector("article.bd-article") || document.querySelector('[role="main"]') || document.body;

  // --- math -------------------------------------------------------------------------------
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) {}
  }
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    const cls = Array.from(el.classList).slice(0, 3);
    if (cls.length) s += "." + cls.join(".");
    const section = el.closest("section[id]");
    if (section) s += " in section #" + section.id;
    return s;
  };
  const clip = (t, n = 80) => { t = (t || "").replace(/\s+/g, " ").trim(); return t.length > n ? t.slice(0, n) + "…" : t; };
  const mathNodes = Array.from(column.querySelectorAll(".math, .MathJax_Preview, script[type^='math/tex']"));
  const untypeset = mathNodes
    .filter((el) => !el.querySelector("mjx-container") && el.tagName !== "MJX-CONTAINER")
    .map((el) => describe(el) + ": " + clip(el.textContent));
  const merrors = Array.from(document.querySelectorAll("mjx-merror")).map((el) => clip(el.getAttribute("data-mjx-error") || el.textContent));
  // visible text outside code, with math already typeset removed: raw TeX left in it is a failure
  const clone = column.cloneNode(true);
  clone.querySelectorAll("pre, code, kbd, samp, script, style, textarea, mjx-container, .cell_input, .highlight, .math")
       .forEach((el) => el.remove());
  const text = clone.textContent.replace(/\s+/g, " ");
  const texPatterns = [
    /\$\$/,
    /\\\([^\n]{0,200}?\\\)|\\\[[^\n]{0,200}?\\\]/,
    /\\(frac|dfrac|sum|prod|int|sqrt|begin|end|left|right|math[a-z]+|operatorname|text[a-z]*|alpha|beta|gamma|delta|epsilon|kappa|lambda|mu|sigma|phi|psi|omega|top|cdot|times|leq|geq|approx|in|mid|hat|tilde|bar|vec|partial|nabla|infty)(?![A-Za-z])/,
    /\$[^$\s][^$\n]{0,80}?[\\^_{][^$\n]{0,80}?\$/,
  ];
  const hits = [];
  for (const re of texPatterns) {
    const m = text.match(re);
    if (m && !hits.some((i) => Math.abs(i - m.index) < 60)) hits.push(m.index);
  }
  const rawTex = hits.map((i) => clip(text.slice(Math.max(0, i - 40), i + 60), 110));
  const math = {
    mathjax_loaded: !!(window.MathJax && MathJax.startup),
    math_nodes: mathNodes.length,
    typeset: document.querySelectorAll("mjx-container").length,
    untypeset: untypeset.slice(0, 20),
    untypeset_count: untypeset.length,
    errors: merrors.slice(0, 20),
    raw_tex: rawTex,
  };

  // --- images -----------------------------------------------------------------------------
  const imgs = Array.from(document.images);
  await Promise.all(imgs.map((img) => { img.loading = "eager"; return img.decode().catch(() => null); }));
  const images = imgs.map((img) => ({
    where: describe(img),
    src: img.getAttribute("src") || "",
    resolved: img.currentSrc || img.src || "",
    complete: img.complete,
    natural_width: img.naturalWidth,
    natural_height: img.naturalHeight,
    shown_width: Math.round(img.getBoundingClientRect().width),
    alt: img.hasAttribute("alt") ? img.getAttribute("alt") : null,
  }));

  // --- audio / video ----------------------------------------------------------------------
  const mediaEls = Array.from(document.querySelectorAll("audio, video"));
  const media = [];
  for (const el of mediaEls) {
    const sources = [];
    if (el.getAttribute("src")) sources.push(el.getAttribute("src"));
    el.querySelectorAll("source[src]").forEach((s) => sources.push(s.getAttribute("src")));
    const resolved = sources.map((s) => new URL(s, document.baseURI).href);
    // load the metadata: proves the file exists and decodes
    const state = await new Promise((resolve) => {
      if (el.readyState >= 1) return resolve("ready");
      const done = (r) => { clearTimeout(timer); resolve(r); };
      const timer = setTimeout(() => done(el.readyState >= 1 ? "ready" : "timeout"), 5000);
      el.addEventListener("loadedmetadata", () => done("ready"), { once: true });
      el.addEventListener("error", () => done("error"), { once: true });
      el.querySelectorAll("source").forEach((s) => s.addEventListener("error", () => done("error"), { once: true }));
      el.preload = "metadata";
      el.load();
    });
    media.push({
      where: describe(el),
      sources: sources.map((s) => (s.startsWith("data:") ? s.slice(0, 40) + "…" : s)),
      resolved: resolved.map((s) => (s.startsWith("data:") ? "data:" : s)),
      state,
      error: el.error ? (el.error.code + " " + (el.error.message || "")) : null,
      duration: isFinite(el.duration) ? el.duration : null,
    });
  }

  // --- layout: nothing wider than the column ------------------------------------------------
  const col = column.getBoundingClientRect();
  const scrolls = (el) => {
    for (let a = el.parentElement; a && a !== column; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== "visible") return true;  // auto/scroll/hidden/clip: contained in its own box
    }
    return false;
  };
  const offenders = [];
  for (const el of column.querySelectorAll("*")) {
    if (el.closest("mjx-assistive-mml")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const pos = getComputedStyle(el).position;
    if (pos === "fixed" || pos === "absolute") continue;
    if (r.right <= col.right + 1 && r.left >= col.left - 1) continue;
    if (scrolls(el)) continue;
    if (offenders.some((o) => o.el.contains(el))) continue;  // report the outermost only
    let what = describe(el);
    if (el.tagName === "IMG") what += " src=" + (el.getAttribute("src") || "");
    offenders.push({ el, text: what + ` is ${Math.round(r.width)} px wide (right edge ${Math.round(r.right - col.left)} px) in a ${Math.round(col.width)} px column` + (el.tagName === "IMG" ? "" : `: "${clip(el.textContent, 60)}"`) });
  }
  const layout = {
    viewport_width: window.innerWidth,
    page_scroll_width: document.documentElement.scrollWidth,
    page_client_width: document.documentElement.clientWidth,
    column_width: Math.round(col.width),
    column_scroll_width: column.scrollWidth,
    offenders: offenders.map((o) => o.text).slice(0, 30),
    offender_count: offenders.length,
  };

  return { math, images, media, layout };
}
"""


def inspect_page(context, build: Path, rel: str) -> PageReport:
    """Open ``build/rel`` in a new tab and record what the browser sees."""
    report = PageReport(page=rel)
    refused = context.kmnet_refused
    start = len(refused)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)

    def on_console(msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({Path(unquote(urlsplit(loc.get('url', '')).path)).name}:{loc.get('lineNumber', '?')})" if loc.get("url") else ""
            report.console_errors.append(msg.text + where)

    def on_failed(request) -> None:
        if inside_build(request.url, build) and not request.url.startswith("data:"):
            report.missing.append(f"{request.url} ({request.failure})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: report.page_errors.append(str(exc)))
    page.on("requestfailed", on_failed)
    try:
        page.goto((build / rel).as_uri(), wait_until="load")
        try:
            page.wait_for_load_state("networkidle", timeout=10_000)
        except Exception:  # a page that keeps polling is judged as it stands
            pass
        found = page.evaluate(_INSPECT_JS)
    finally:
        page.close()
    report.refused = list(dict.fromkeys(refused[start:]))
    report.missing = list(dict.fromkeys(report.missing))
    report.math = found["math"]
    report.images = found["images"]
    report.media = found["media"]
    report.layout = found["layout"]
    return report


@pytest.fixture(scope="session")
def page_report(browser_context, book: Path):
    """``page_report(relative_path)``: the inspection of one page, done once per session."""
    cache: dict[str, PageReport] = {}

    def get(rel: str) -> PageReport:
        if rel not in cache:
            cache[rel] = inspect_page(browser_context, book, rel)
        return cache[rel]

    return get
