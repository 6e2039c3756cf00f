"""One verovio call, run as a stand-alone script in its own process.

verovio (6.4.1) aborts the Python interpreter (double free, vector range errors, segfaults)
on about a quarter of the staged MusicXML files when it converts them to Humdrum, and
prints debug text on stdout. Each call therefore runs here, in a fresh interpreter started
by :func:`kmnet.datasets.piano.scores.run_verovio`, which reads the result from a file and turns
a crash or a time-out into a reason.

This file is executed by path (``python _verovio_run.py MODE IN OUT [OPTIONS]``) so that the
child imports nothing but verovio. Modes:

``musicxml-hum``
    IN is a MusicXML file (UTF-8); OUT receives the Humdrum text (humlib's musicxml2hum,
    the route the paper names: "converted into a humdrum file by using Verovio"), and
    OUT.mid the MIDI of the loaded document (the same as mode ``midi`` on that text).
``midi``
    IN is a Humdrum file; OUT receives the MIDI bytes of ``renderToMIDI`` (with
    ``expandNever``: repeats are not expanded).

Exit status 0 means OUT was written; 3 means verovio returned nothing.
"""

from __future__ import annotations

import base64
import json
import sys


def main(argv: list[str]) -> int:
    mode, src, dst = argv[1], argv[2], argv[3]
    options = {}
    if len(argv) > 4:
        with open(argv[4], encoding="utf-8") as fh:
            options = json.load(fh)
    import verovio

    with open(src, encoding="utf-8") as fh:
        text = fh.read()
    tk = verovio.toolkit()
    # play the score once through: no repeat expansion (music21's route does the same)
    tk.setOptions({"expandNever": True})
    if mode == "musicxml-hum":
        tk.setInputFrom("musicxml-hum")
        if not tk.loadData(text):
            print("verovio: loadData returned false", file=sys.stderr)
            return 3
        out = tk.getHumdrumBuffer() if hasattr(tk, "getHumdrumBuffer") else tk.getHumdrum()
        if not out or "**kern" not in out:
            print("verovio: empty Humdrum output", file=sys.stderr)
            return 3
        with open(dst, "w", encoding="utf-8") as fh:
            fh.write(out)
        # the loaded document is that Humdrum: its MIDI equals loading the text again
        sys.stdout.flush()
        b64 = tk.renderToMIDI()
        data = base64.b64decode(b64) if b64 else b""
        if len(data) >= 14:
            with open(dst + ".mid", "wb") as fh:
                fh.write(data)
        return 0
    if mode == "midi":
        tk.setInputFrom("humdrum")
        if not tk.loadData(text):
            print("verovio: loadData returned false", file=sys.stderr)
            return 3
        b64 = tk.renderToMIDI()
        data = base64.b64decode(b64) if b64 else b""
        if len(data) < 14:
            print("verovio: empty MIDI output", file=sys.stderr)
            return 3
        with open(dst, "wb") as fh:
            fh.write(data)
        return 0
    if mode == "svg":
        select = options.pop("select", None)
        tk.setOptions(options)
        tk.setInputFrom("humdrum")
        if select:
            tk.select(select)
        if not tk.loadData(text):
            print("verovio: loadData returned false", file=sys.stderr)
            return 3
        svg = tk.renderToSVG(1)
        if not svg or "<svg" not in svg:
            print("verovio: empty SVG output", file=sys.stderr)
            return 3
        with open(dst, "w", encoding="utf-8") as fh:
            fh.write(svg)
        return 0
    print(f"unknown mode {mode!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main(sys.argv))
