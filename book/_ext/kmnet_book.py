"""Sphinx additions for the kmnet book: prose-first search and result-table downloads.

Search
    Sphinx indexes every word of a page, code included, and shows a snippet that it cuts out of
    the page's HTML, fetched at search time. For notebook pages that means ``import`` lines in
    the index and code in the snippets, and, when the book is read from disk (``file://``), a
    fetch that the browser refuses. Here the index is fed each page without the *inputs* of its
    code cells (outputs, tables and prose stay searchable), and the search page receives the
    prose of every page (no code cells, no math source) as a script, ``_static/kmnet-search-prose.js``,
    which ``_static/kmnet-search.js`` hands to Sphinx's snippet maker instead of the fetched page.

Downloads
    ``results-downloads`` lists every ``results/*.csv`` of the repository as download links
    (rows x columns beside each), so that a page can offer all result tables without naming
    them by hand::

        :::{results-downloads}
        :::

    A single table is linked with Sphinx's own role, with the path relative to the page:
    ``{download}`Table 5 </results/table5.csv>``` (a leading ``/`` is the top of the book).
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: search-page scripts (in html_static_path / written into _static)
SEARCH_JS = "kmnet-search.js"
PROSE_JS = "kmnet-search-prose.js"

# node types whose text is not prose: code, math source, raw markup, comments, targets
_NOT_PROSE = (
    nodes.literal_block,
    nodes.math,
    nodes.math_block,
    nodes.raw,
    nodes.comment,
    nodes.target,
    nodes.system_message,
    nodes.substitution_definition,
)


def _is_code_cell_input(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and node.get("nb_element") == "cell_code_source"


def _is_code_cell(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and node.get("nb_element") == "cell_code"


def without_code_inputs(doctree: nodes.document) -> nodes.document:
    """A copy of ``doctree`` without the input (source) part of its notebook code cells."""
    copy = doctree.deepcopy()
    for node in list(copy.findall(_is_code_cell_input)):
        node.parent.remove(node)
    return copy


def prose_html(doctree: nodes.document) -> str:
    """The prose of a page as minimal HTML: sections keep their ids, paragraphs are <p>.

    Code cells (input and output), literal blocks, math source and raw markup are left out,
    so that a search snippet shows the page's sentences.
    """
    out: list[str] = []

    def text_of(node: nodes.Node) -> str:
        parts: list[str] = []

        def walk(n: nodes.Node) -> None:
            if isinstance(n, _NOT_PROSE) or _is_code_cell(n):
                return
            if isinstance(n, nodes.Text):
                parts.append(n.astext())
                return
            for child in n.children:
                walk(child)

        walk(node)
        return " ".join(" ".join(parts).split())

    def walk(node: nodes.Node) -> None:
        if isinstance(node, _NOT_PROSE) or _is_code_cell(node):
            return
        if isinstance(node, nodes.section):
            ids = node.get("ids") or [""]
            out.append(f'<section id="{html.escape(ids[0], quote=True)}">')
            for child in node.children:
                walk(child)
            out.append("</section>")
        elif isinstance(node, (nodes.title, nodes.paragraph, nodes.term, nodes.caption)):
            text = text_of(node)
            if text:
                out.append(f"<p>{html.escape(text)} </p>")  # the space keeps words apart in textContent
        else:
            for child in node.children:
                walk(child)

    walk(doctree)
    return '<div role="main">' + "".join(out) + "</div>"


def _setup_search(app: Sphinx) -> None:
    """Feed the search index each page without its code-cell inputs."""
    builder = app.builder
    if not hasattr(builder, "index_page"):
        return
    original = builder.index_page

    def index_page(pagename: str, doctree: nodes.document, title: str) -> None:
        original(pagename, without_code_inputs(doctree), title)

    builder.index_page = index_page


def _search_page_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename == "search" and app.builder.format == "html":
        app.add_js_file(PROSE_JS)
        app.add_js_file(SEARCH_JS)


def _write_prose(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    env = app.env
    prose = {}
    for docname in sorted(env.found_docs):
        try:
            doctree = env.get_doctree(docname)
        except FileNotFoundError:
            continue
        prose[docname] = prose_html(doctree)
    target = Path(app.outdir) / "_static" / PROSE_JS
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(prose, ensure_ascii=False, sort_keys=True)
    target.write_text(f"window.KMNET_SEARCH_PROSE = {payload};\n", encoding="utf-8")


class ResultsDownloads(SphinxDirective):
    """A bullet list of download links, one per ``*.csv`` of the results folder."""

    has_content = False
    optional_arguments = 1  # the folder, relative to the top of the book's source
    final_argument_whitespace = False

    def run(self) -> list[nodes.Node]:
        folder_name = self.arguments[0] if self.arguments else "results"
        srcdir = Path(self.env.srcdir)
        folder = srcdir / folder_name
        tables = sorted(folder.glob("*.csv"))
        if not tables:
            raise self.error(f"results-downloads: no *.csv in {folder_name!r}")
        items = nodes.bullet_list()
        for table in tables:
            with table.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            n_rows, n_cols = max(len(rows) - 1, 0), len(rows[0]) if rows else 0
            # a leading "/" makes Sphinx read the path from the top of the book's source
            target = "/" + table.relative_to(srcdir).as_posix()
            self.env.note_dependency(str(table))
            ref = addnodes.download_reference(
                "", "", refdoc=self.env.docname, refdomain="", reftype="download",
                refexplicit=True, refwarn=False, reftarget=target,
            )
            ref += nodes.literal(table.name, table.name, classes=["xref", "download"])
            para = nodes.paragraph()
            para += ref
            para += nodes.Text(f" ({n_rows} rows \u00d7 {n_cols} columns)")
            items += nodes.list_item("", para)
        return [items]


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _setup_search)
    app.connect("html-page-context", _search_page_scripts)
    app.connect("build-finished", _write_prose)
    app.add_directive("results-downloads", ResultsDownloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
