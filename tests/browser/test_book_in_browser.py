"""Every built page, opened from disk in headless Chromium, checked as a reader meets it.

Run after ``make book`` with ``python -m pytest -m browser tests/browser`` (see conftest.py).
Each test judges one aspect of one page; a failure names the page and the elements at fault.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.browser

# an alt text that is a file name or path, or matplotlib's repr, describes nothing
_PATH_LIKE = re.compile(r"^\S*[/\\]\S*$|^\S+\.(png|jpe?g|gif|svg|webp|bmp)$", re.IGNORECASE)
_MACHINE_TEXT = re.compile(r"^<(Figure|matplotlib|IPython)\b", re.IGNORECASE)


def _lines(title: str, items: list[str], more: int = 0) -> str:
    text = title + "".join(f"\n  - {item}" for item in items)
    if more > len(items):
        text += f"\n  ... and {more - len(items)} more"
    return text


def test_no_request_leaves_the_book(page, page_report):
    """Nothing outside the build folder is requested: no CDN, no font service, no analytics."""
    report = page_report(page)
    assert not report.refused, _lines(f"{page} requested addresses outside the book:", report.refused)


def test_no_missing_files(page, page_report):
    """Every file the page loads (styles, scripts, fonts, icons, images) exists in the build."""
    report = page_report(page)
    assert not report.missing, _lines(f"{page} failed to load files of the book:", report.missing)


def test_no_console_errors(page, page_report):
    """No error in the console and no uncaught exception."""
    report = page_report(page)
    problems = [f"console error: {m}" for m in report.console_errors]
    problems += [f"uncaught exception: {m}" for m in report.page_errors]
    assert not problems, _lines(f"{page} reports errors in the browser:", problems)


def test_math_is_typeset(page, page_report):
    """MathJax typeset every formula: no raw TeX left in the text, no TeX error."""
    report = page_report(page)
    math = report.math
    problems = []
    if math["math_nodes"] and not math["mathjax_loaded"]:
        problems.append(f"{math['math_nodes']} formulas but MathJax is not loaded")
    problems += [f"not typeset: {m}" for m in math["untypeset"]]
    if math["untypeset_count"] > len(math["untypeset"]):
        problems.append(f"... and {math['untypeset_count'] - len(math['untypeset'])} more not typeset")
    problems += [f"TeX error: {m}" for m in math["errors"]]
    problems += [f"raw TeX in the text: {m!r}" for m in math["raw_tex"]]
    if math["math_nodes"] and not math["typeset"]:
        problems.append("the page has formulas but no MathJax output")
    assert not problems, _lines(f"{page}: math", problems)


def test_images_load(page, page_report):
    """Every <img> resolves to a file of the book and decodes (naturalWidth > 0)."""
    report = page_report(page)
    broken = [
        f"{img['where']}: src={img['src']!r}"
        for img in report.images
        if not img["complete"] or img["natural_width"] == 0
    ]
    assert not broken, _lines(f"{page} has images that do not load:", broken)


def test_images_have_alt_text(page, page_report):
    """Every <img> has alt text that describes it: not empty, not a file path."""
    report = page_report(page)
    bad = []
    for img in report.images:
        alt = (img["alt"] or "").strip()
        name = Path(unquote(urlsplit(img["src"]).path)).name or img["src"][:40]
        if img["alt"] is None:
            bad.append(f"{img['where']} ({name}): no alt attribute")
        elif not alt:
            bad.append(f"{img['where']} ({name}): empty alt text")
        elif _PATH_LIKE.match(alt) or _MACHINE_TEXT.match(alt):
            bad.append(f"{img['where']} ({name}): alt text is not a description: {alt[:80]!r}")
    assert not bad, _lines(f"{page} has images without a real alt text:", bad)


def test_figures_are_not_shrunk(page, page_report):
    """A raster figure is drawn for the column: the browser shows it at 90 % of its pixel width
    or more, so its lettering keeps the size it was drawn with (a 1277 px figure squeezed into
    the 784 px column shows 9 pt labels at 5.5 pt)."""
    report = page_report(page)
    shrunk = []
    for img in report.images:
        name = Path(unquote(urlsplit(img["src"]).path)).name
        if not img["natural_width"] or name.lower().endswith(".svg") or img["src"].startswith("data:image/svg"):
            continue
        scale = img["shown_width"] / img["natural_width"]
        if scale < 0.9:
            shrunk.append(
                f"{img['where']} ({name[:16]}…): {img['natural_width']} px drawn, "
                f"{img['shown_width']} px shown (x{scale:.2f})"
            )
    room = max((img["shown_width"] for img in report.images), default=0)
    assert not shrunk, _lines(
        f"{page} has figures wider than the column, shrunk by the browser "
        f"(the column has room for {room} px: e.g. at most {room / 100:.1f} in at 100 dpi):",
        shrunk,
    )


def test_audio_and_video_load(page, page_report):
    """Every <audio>/<video> has a source that is a file of the book (or embedded data) and
    whose metadata the browser can read."""
    report = page_report(page)
    bad = []
    for el in report.media:
        if not el["sources"]:
            bad.append(f"{el['where']}: no source")
            continue
        for url in el["resolved"]:
            parts = urlsplit(url)
            if parts.scheme == "file" and not Path(unquote(parts.path)).is_file():
                bad.append(f"{el['where']}: missing file {unquote(parts.path)}")
        if el["state"] != "ready":
            bad.append(f"{el['where']}: {el['state']} loading {el['sources']} (error: {el['error']})")
    assert not bad, _lines(f"{page} has audio/video that does not load:", bad)


def test_nothing_wider_than_the_column(page, page_report):
    """At 1400 px no element sticks out of the main column (wide outputs scroll in their own
    box), and the page itself never scrolls sideways."""
    report = page_report(page)
    layout = report.layout
    problems = []
    if layout["page_scroll_width"] > layout["page_client_width"] + 1:
        problems.append(
            f"the page scrolls sideways: {layout['page_scroll_width']} px of content "
            f"in a {layout['page_client_width']} px window"
        )
    problems += layout["offenders"]
    assert not problems, _lines(
        f"{page}: elements wider than the {layout['column_width']} px column at "
        f"{layout['viewport_width']} px:",
        problems,
        more=layout["offender_count"] + (len(problems) - len(layout["offenders"])),
    )


def test_search_finds_prose(browser_context, book):
    """The search page, opened from disk, finds a word of the prose and shows snippets,
    without errors and without fetching anything."""
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught exception: {e}"))
    try:
        page.goto((book / "search.html").as_uri() + "?q=kernel", wait_until="load")
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results'); "
            "return s && /finished|did not match/i.test(s.innerText); }",
            timeout=30_000,
        )
        page.wait_for_timeout(500)
        hits = page.eval_on_selector_all("#search-results ul.search > li", "els => els.length")
        snippets = page.eval_on_selector_all(
            "#search-results ul.search > li p.context", "els => els.map(e => e.textContent)"
        )
    finally:
        page.close()
    assert hits > 0, "searching the book for 'kernel' found no page"
    assert snippets, "search results show no snippet"
    code_like = [s for s in snippets if re.search(r"^\s*(import|from \w+ import|def |%)\b", s)]
    assert not code_like, _lines("search snippets show code:", code_like)
    assert not errors, _lines("the search page reports errors:", errors)
