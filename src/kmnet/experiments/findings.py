"""The paper's claims beside our verdicts, built from a folder of result tables.

Notebook: 00_findings.

:func:`claims_table` reads the result tables the chapters commit (``results/*.csv``) and returns
one row per claim of the paper: the paper's number, ours with its uncertainty, the verdict
(decided by the rules of :mod:`kmnet.experiments.verdicts`), why, and the section of the book that
shows it. :func:`show_claims` turns it into the table the findings page displays.

The tables and columns read (every column is looked up defensively; a claim whose table or
column is missing gets the verdict :data:`NOT_MEASURED`, naming what is missing):

==============================  =================================================================
claim                           results file: columns
==============================  =================================================================
piano comparisons, RE, speed    ``piano_splits.csv``: split, method, status, accuracy, re, forward_s
                                (fallback for RE and speed: ``table5.csv``: method, re, re_std,
                                runs, forward_s)
GTZAN, Table 1                  ``gtzan_table1.csv``: protocol, features, method, mean, std, runs,
                                paper_value
GTZAN, protocols                ``gtzan_protocols.csv``: letter, protocol, scoring, features,
                                method, mean, ci_low, ci_high, runs, paper_value
4MuLA, Table 6                  ``table6.csv``: dataset, method, mean, std, runs, paper_value
relative importance, Figure 2   ``figure2.csv``: network, modality, kernel, mean, std, runs,
                                paper_value
hidden units, Table 4           ``table4.csv``: hidden_units, mean, std, runs; ``table2.csv``:
                                period, test (the number of test pieces)
==============================  =================================================================

The paper's values come from :mod:`kmnet.experiments.paper`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import method_names as names
from . import verdicts as V

__all__ = ["NOT_MEASURED", "CLAIM_COLUMNS", "MissingResult", "ResultsFolder", "section_link", "claims_table",
           "show_claims", "wrap_table"]

#: the verdict of a claim whose result table (or a column of it) is missing
NOT_MEASURED = "not measured"
#: columns of :func:`claims_table`
CLAIM_COLUMNS = ["key", "claim", "paper", "ours", "verdict", "why", "links", "source", "ours_value", "ours_low",
                 "ours_high", "paper_value", "n"]


class MissingResult(ValueError):
    """A result table, or a column or row of it, that a claim needs is not there."""


@dataclass
class ResultsFolder:
    """Read-only access to a folder of result tables (``<name>.csv``)."""

    path: Path

    def __post_init__(self):
        self.path = Path(self.path)
        self._cache: dict[str, pd.DataFrame] = {}

    def has(self, name: str) -> bool:
        return (self.path / f"{name}.csv").is_file()

    def read(self, name: str, columns: Sequence[str] = ()) -> pd.DataFrame:
        """The table ``name``; :class:`MissingResult` if it or one of ``columns`` is absent."""
        if name not in self._cache:
            p = self.path / f"{name}.csv"
            if not p.is_file():
                raise MissingResult(f"results/{name}.csv is missing")
            self._cache[name] = pd.read_csv(p)
        df = self._cache[name]
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise MissingResult(f"results/{name}.csv lacks column(s) {', '.join(missing)}")
        return df


# ---------------------------------------------------------------------- links to the book
def _slug(title: str) -> str:
    from docutils.nodes import make_id

    return make_id(title)


def section_link(notebook: str, keywords: Sequence[str] = (), *, notebooks_dir=None) -> tuple[str, str]:
    """``(href, title)`` of the first section of ``notebook`` whose heading contains a keyword.

    The headings are read from the notebook's jupytext source (``notebooks/<notebook>.py``), so
    the link follows the chapter's current section titles; the anchor is the one Sphinx gives the
    heading. Without keywords, or when none matches, the link is to the chapter itself (its
    title).
    """
    from ..datasets.paths import checkout_path

    d = Path(notebooks_dir) if notebooks_dir is not None else checkout_path("notebooks")
    src = d / f"{notebook}.py"
    if not src.is_file():
        raise MissingResult(f"notebooks/{notebook}.py is missing")
    heads = []
    for line in src.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^# (#{1,4}) (.+?)\s*$", line)
        if m:
            heads.append((len(m.group(1)), m.group(2)))
    if not heads:
        raise MissingResult(f"notebooks/{notebook}.py has no headings")
    title = next((t for lvl, t in heads if lvl == 1), heads[0][1])
    chapter = f"chapter {notebook[:2]}" if notebook[:2].isdigit() else notebook

    def bare(t):  # the heading without its section number ("3. Table 5" -> "Table 5")
        return re.sub(r"^\d+(\.\d+)*\.?\s+", "", t).strip()

    subs = [(t, bare(t)) for lvl, t in heads if lvl > 1]
    for kw in keywords:
        k = kw.lower()
        for test in (lambda b: b.lower() == k, lambda b: b.lower().startswith(k), lambda b: k in b.lower()):
            for t, b in subs:
                if test(b):
                    return f"{notebook}.html#{_slug(t)}", f"{chapter}: {b}"
    return f"{notebook}.html", f"{chapter}: {title}"


# ---------------------------------------------------------------------- helpers
def _iv(iv: V.Interval, digits: int = 2, *, sign: bool = False, unit: str = "") -> str:
    f = f"{'+' if sign else ''}.{digits}f"
    if iv.n < 2 or not np.isfinite(iv.low) or iv.low == iv.high:
        return f"{iv.mean:{f}}{unit}" + (" (one run)" if iv.n < 2 else "")
    return f"{iv.mean:{f}}{unit} [{iv.low:{f}}, {iv.high:{f}}]"


def _row(key, paper, ours, verdict: V.Verdict, why, links, source, iv: V.Interval | None = None,
         paper_value=np.nan) -> dict:
    return {"key": key, "claim": _TITLES[key], "paper": paper, "ours": ours, "verdict": verdict.verdict, "why": why,
            "links": links, "source": source,
            "ours_value": np.nan if iv is None else iv.mean, "ours_low": np.nan if iv is None else iv.low,
            "ours_high": np.nan if iv is None else iv.high, "paper_value": paper_value,
            "n": np.nan if iv is None else iv.n}


def _paper5() -> dict[str, pd.Series]:
    from .paper import paper_table
    from .piano_comparison import _PAPER_ROW

    p5 = paper_table("table5")
    out = {}
    for ours, (mod, pm) in _PAPER_ROW.items():
        hit = p5[(p5["modality"] == mod) & (p5["method"] == pm)]
        if len(hit):
            out[ours] = hit.iloc[0]
    return out


def _pick(df: pd.DataFrame, col: str, value, what: str) -> pd.DataFrame:
    hit = df[df[col] == value]
    if hit.empty:
        raise MissingResult(f"{what}: no row with {col} = {value!r}")
    return hit


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return np.nan
    return v


# ---------------------------------------------------------------------- the claims
class _Claims:
    def __init__(self, results: ResultsFolder, links: Callable[..., str]):
        self.R = results
        self.link = links
        self.p5 = _paper5()
        self._splits = None

    # -- piano, repeated splits
    def splits(self) -> pd.DataFrame:
        if self._splits is None:
            self._splits = self.R.read("piano_splits", ("split", "method", "status", "accuracy"))
        return self._splits

    def paired(self) -> pd.DataFrame:
        from .piano_splits import paired_differences

        return paired_differences(self.splits()).set_index("comparison")

    def _better(self, key, a, b, label, links):
        P = self.paired()
        rows = P[(P["a"] == a) & (P["b"] == b)] if b is not None else P.loc[[label]]
        if rows.empty:
            raise MissingResult(f"results/piano_splits.csv: no runs of both {a} and {b}")
        r = rows.iloc[0]
        n = int(r["splits"])
        if n < 2:
            raise MissingResult(f"results/piano_splits.csv: {a} and {b} share fewer than two splits")
        iv = V.Interval(float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]), n)
        pa, pb = self.p5.get(r["a"]), self.p5.get(r["b"])
        pdiff = float(pa["paper_mean"] - pb["paper_mean"]) if pa is not None and pb is not None else np.nan
        v = V.verdict_better(iv, paper_diff=None if np.isnan(pdiff) else pdiff)
        paper = (f"{pdiff:+.2f} points ({pa['paper_mean']:.2f} vs {pb['paper_mean']:.2f} %)"
                 if not np.isnan(pdiff) else "–")
        why = {V.REPRODUCED: f"the interval lies above 0; ahead in {int(r['a_ahead'])} of {n} splits",
               V.OPPOSITE: f"the interval lies below 0; ahead in {int(r['a_ahead'])} of {n} splits",
               V.NOT_REPRODUCED: f"the interval contains 0; ahead in {int(r['a_ahead'])} of {n} splits"}[v.verdict]
        if b is None:
            why = f"best single modality here: {r['b']}; {why}"
        if a == names.LEARNED_DM2KMN and "epochs" in self.splits().columns:
            ep = self.splits().loc[(self.splits()["method"] == a) & (self.splits()["status"] == "ok"), "epochs"].dropna()
            if len(ep):
                why += (f"; cross-validation chose 0 end-to-end epochs in {int((ep == 0).sum())} of {len(ep)} splits "
                        f"(0: the learned network is the initial one)")
        return _row(key, paper, _iv(iv, 2, sign=True, unit=" points"), v, why, links,
                    "piano_splits.csv", iv, pdiff)

    def learned_vs_dkn(self):
        return self._better("learned_vs_dkn", names.LEARNED_DM2KMN, names.DKN, None, self._piano_links())

    def learned_vs_initial(self):
        return self._better("learned_vs_initial", names.LEARNED_DM2KMN, names.INITIAL_DM2KMN, None, self._piano_links())

    def multimodal_vs_single(self):
        P = self.paired()
        label = next((c for c in P.index if c.startswith("multi-modal DKN - best single modality")), None)
        if label is None:
            raise MissingResult("results/piano_splits.csv: no single-modality method and multi-modal DKN")
        return self._better("multimodal_vs_single", names.DKN, None, label, self._piano_links())

    def text_vs_audio(self):
        return self._better("text_vs_audio", names.TEXT_DKN, names.AUDIO_DKN, None, self._piano_links())

    def learned_vs_fusions(self):
        from .piano_splits import FUSIONS

        P = self.paired()
        rows = P[(P["a"] == names.LEARNED_DM2KMN) & P["b"].isin(FUSIONS) & (P["splits"] >= 2)]
        if rows.empty:
            raise MissingResult("results/piano_splits.csv: no fusion baseline beside the learned DM2KMN")
        per = {}
        for label, r in rows.iterrows():
            per[r["b"]] = V.verdict_better(V.Interval(float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]),
                                                      int(r["splits"])))
        v = V.verdict_all(per)
        worst = rows.loc[rows["mean"].idxmin()]
        iv = V.Interval(float(worst["mean"]), float(worst["ci_low"]), float(worst["ci_high"]), int(worst["splits"]))
        p_fus = {f: self.p5[f]["paper_mean"] for f in FUSIONS if f in self.p5}
        best_p = max(p_fus, key=p_fus.get)
        pdiff = float(self.p5[names.LEARNED_DM2KMN]["paper_mean"] - p_fus[best_p])
        missing = [f for f in FUSIONS if f not in per]
        why = (f"{v.reason} ({len(per)} fusion baselines over {int(worst['splits'])} splits); "
               f"ours shows the difference to the strongest, {worst['b']}")
        if missing:
            why += f"; not run: {', '.join(missing)}"
        return _row("learned_vs_fusions", f"{pdiff:+.2f} points over the strongest ({best_p}, {p_fus[best_p]:.2f} %)",
                    _iv(iv, 2, sign=True, unit=" points"), v, why, self._piano_links(), "piano_splits.csv", iv,
                    pdiff)

    def _piano_links(self):
        return [self.link("00_findings", ("repeated splits",), "repeated splits (below)"),
                self.link("05_piano_comparison", ("Table 5",), "chapter 05: Table 5")]

    def re_initial(self):
        paper = float(self.p5[names.INITIAL_DM2KMN]["paper_re"])
        src = "piano_splits.csv"
        try:
            t = self.splits()
            if "re" not in t.columns:
                raise MissingResult("results/piano_splits.csv lacks column re")
            vals = t[(t["method"] == names.INITIAL_DM2KMN) & (t["status"] == "ok")]["re"].dropna()
            if vals.empty:
                raise MissingResult("results/piano_splits.csv: no RE of the initial DM2KMN")
            iv = V.mean_interval(vals.to_numpy(dtype=float))
            how = f"{iv.n} random splits"
        except MissingResult:
            t5 = self.R.read("table5", ("method", "re"))
            r = _pick(t5, "method", names.INITIAL_DM2KMN, "results/table5.csv").iloc[0]
            iv = V.summary_interval(r["re"], _num(r.get("re_std")), int(_num(r.get("runs")) or 1))
            src, how = "table5.csv", f"{iv.n} runs of the fixed split"
        v = V.verdict_at_most(iv, paper)
        why = (f"RE (Eq. 17) of the output kernel on the training pieces, {how}; "
               + ("ours is at most the paper's" if v.verdict == V.REPRODUCED else "ours is larger"))
        return _row("re_initial", f"RE {paper:.2f} %", _iv(iv, 3, unit=" %"), v, why,
                    [self.link("05_piano_comparison", ("Table 5",), "chapter 05: Table 5"),
                     self.link("06_relative_importance", ("Relative error",), "chapter 06: RE")], src, iv, paper)

    def speed(self):
        p_dkn = float(self.p5[names.DKN]["paper_time_s"])
        p_dm = float(self.p5[names.LEARNED_DM2KMN]["paper_time_s"])
        paper = p_dkn / p_dm
        src = "piano_splits.csv"
        try:
            t = self.splits()
            if "forward_s" not in t.columns:
                raise MissingResult("results/piano_splits.csv lacks column forward_s")
            ok = t[t["status"] == "ok"].pivot_table(index="split", columns="method", values="forward_s",
                                                    aggfunc="first")
            if names.DKN not in ok or names.LEARNED_DM2KMN not in ok:
                raise MissingResult("results/piano_splits.csv: no forward times of both networks")
            pair = ok[[names.DKN, names.LEARNED_DM2KMN]].dropna()
            pair = pair[pair[names.LEARNED_DM2KMN] > 0]
            if len(pair) < 2:
                raise MissingResult("results/piano_splits.csv: fewer than two forward times")
            iv = V.mean_interval((pair[names.DKN] / pair[names.LEARNED_DM2KMN]).to_numpy())
            how = f"{iv.n} random splits, each time the median of repeated predictions"
        except MissingResult:
            t5 = self.R.read("table5", ("method", "forward_s"))
            a = float(_pick(t5, "method", names.DKN, "results/table5.csv")["forward_s"].iloc[0])
            b = float(_pick(t5, "method", names.LEARNED_DM2KMN, "results/table5.csv")["forward_s"].iloc[0])
            iv = V.Interval(a / b, a / b, a / b, 1)
            src, how = "table5.csv", "the fixed split, mean of the runs' median times"
        v = V.verdict_ratio(iv, paper)
        why = f"DKN time / learned DM2KMN time on the test pieces, CPU, {how}"
        if ": " in v.reason:
            why += "; " + v.reason.split(": ", 1)[1]
        return _row("speed", f"{paper:.2f}x ({p_dkn:.2f} s vs {p_dm:.2f} s)", _iv(iv, 2, unit="x"), v, why,
                    [self.link("05_piano_comparison", ("Forward time",), "chapter 05: forward time")], src, iv, paper)

    # -- GTZAN
    def _gtzan_paper_range(self, df) -> tuple[float, float]:
        p = pd.to_numeric(df.get("paper_value"), errors="coerce").dropna() if "paper_value" in df else pd.Series()
        if p.empty:
            from .paper import paper_table

            t1 = paper_table("table1")
            p = t1[t1["reference"].isin(["Jiu and Sahbi [25]", "Wang and Jiu"]) & t1["method"].str.contains("MFCC")]
            p = p["paper_mean"]
        return float(p.min()), float(p.max())

    def gtzan_table1(self):
        t = self.R.read("gtzan_table1", ("protocol", "method", "mean"))
        lo, hi = self._gtzan_paper_range(t)
        nets = t[t["method"].str.contains("DKN|DM2KMN", regex=True)]
        rnd = nets[nets["protocol"].astype(str).str.contains("random")]
        if rnd.empty:
            raise MissingResult("results/gtzan_table1.csv: no kernel network on the random split")
        best = rnd.loc[pd.to_numeric(rnd["mean"]).idxmax()]
        iv = V.summary_interval(best["mean"], _num(best.get("std")), int(_num(best.get("runs", 1)) or 1))
        v = V.verdict_level(iv, (lo, hi))
        feats = f", {best['features']}" if "features" in best else ""
        gap = f"{lo - iv.mean:.1f} points below the paper's range" if iv.mean < lo else (
            "within the paper's range" if v.verdict == V.REPRODUCED else f"{iv.mean - hi:.1f} points above it")
        why = (f"best kernel network of ours on the random 70/30 split of the 30 s clips: {best['method']}{feats} "
               f"({iv.n} splits); {gap}")
        return _row("gtzan_table1", f"{lo:.1f}-{hi:.1f} %",
                    _iv(iv, 1, unit=" %"), v, why, [self.link("02_gtzan", ("Table 1",), "chapter 02: Table 1")], "gtzan_table1.csv", iv,
                    hi)

    def gtzan_protocol(self):
        t = self.R.read("gtzan_protocols", ("protocol", "method", "mean"))
        lo, hi = self._gtzan_paper_range(t)
        nets = t[t["method"].str.contains("DKN|DM2KMN", regex=True)].copy()
        if nets.empty:
            raise MissingResult("results/gtzan_protocols.csv: no kernel-network rows")
        nets["mean"] = pd.to_numeric(nets["mean"])
        keys = [c for c in ("letter", "protocol", "scoring") if c in nets.columns]
        res = []
        for k, g in nets.groupby(keys, sort=True):
            b = g.loc[g["mean"].idxmax()]
            if "ci_low" in b and np.isfinite(_num(b["ci_low"])):
                iv = V.Interval(float(b["mean"]), float(b["ci_low"]), float(b["ci_high"]),
                                int(_num(b.get("runs", 2)) or 2))
            else:
                iv = V.summary_interval(b["mean"], _num(b.get("std")), int(_num(b.get("runs", 1)) or 1))
            k = dict(zip(keys, k if isinstance(k, tuple) else (k,)))
            name = (f"({k['letter']}) " if "letter" in k else "") + str(k.get("protocol", ""))
            if str(k.get("scoring", "")) not in ("", "nan"):
                name += f" ({k['scoring']})"
            res.append((name, iv, V.verdict_level(iv, (lo, hi))))
        reach = [n for n, _, v in res if v.verdict == V.REPRODUCED]
        best_name, best_iv, best_v = max(res, key=lambda r: r[1].mean)
        rest = [f"{n}: {r.mean:.1f} %" for n, r, v in res if v.verdict != V.REPRODUCED]
        verdict = best_v if reach else V.Verdict(V.NOT_REPRODUCED, "no protocol reaches it")
        why = ((f"reached by {'; '.join(reach)}" if reach else "no protocol reaches it")
               + (f"; below it: {'; '.join(rest)}" if rest else "")
               + " (best kernel network per protocol)")
        return _row("gtzan_protocol", f"{lo:.1f}-{hi:.1f} %", f"{best_name}: {_iv(best_iv, 1, unit=' %')}", verdict, why,
                    [self.link("02_gtzan", ("level measures", "protocol"), "chapter 02: protocols")], "gtzan_protocols.csv", best_iv, hi)

    # -- 4MuLA
    def fourmula(self):
        t = self.R.read("table6", ("method", "mean"))
        r = _pick(t, "method", names.LEARNED_DM2KMN, "results/table6.csv").iloc[0]
        from .paper import paper_table

        p6 = paper_table("table6")
        paper = float(p6.loc[p6["method"] == "The proposed DM2KMN", "paper_mean"].iloc[0])
        iv = V.summary_interval(r["mean"], _num(r.get("std")), int(_num(r.get("runs", 1)) or 1))
        data = str(r.get("dataset", ""))
        links = [self.link("07_4mula", ("Table 6",), "chapter 07: Table 6")]
        if "4mula" in data.lower() and "stand-in" not in data.lower():
            v = V.verdict_level(iv, paper)
            why = f"on {data}"
        else:
            v = V.not_testable(f"4MuLA itself is not available here; the ours column is a different data set ({data})")
            why = v.reason
        return _row("fourmula", f"{paper:.1f} %",
                    _iv(iv, 1, unit=" %") + ("" if v.verdict != V.NOT_TESTABLE else " (stand-in)"), v, why, links,
                    "table6.csv", iv, paper)

    # -- Figure 2
    def _ri(self, key, network):
        from .paper import PAPER_FIGURE2_TOTALS

        t = self.R.read("figure2", ("network", "modality", "mean"))
        tot = t[(t["network"] == network) & (t["modality"] == "audio")]
        if "kernel" in t.columns:
            tot = tot[tot["kernel"].astype(str) == "all"]
        elif "unit" in t.columns:
            tot = tot[tot["unit"].astype(str).str.startswith("total")]
        if tot.empty:
            raise MissingResult(f"results/figure2.csv: no audio total of {network}")
        r = tot.iloc[0]
        paper = float(PAPER_FIGURE2_TOTALS[network]["audio"])
        iv = V.summary_interval(r["mean"], _num(r.get("std")), int(_num(r.get("runs", 1)) or 1))
        v = V.verdict_share(iv, paper)
        why = (f"share of audio in the relative importance (Eq. 18), text the rest, {iv.n} runs; "
               + ("within 10 points of the paper's" if v.verdict == V.REPRODUCED
                  else f"{abs(iv.mean - paper):.1f} points from the paper's (tolerance 10)"))
        return _row(key, f"audio {paper:.1f} %", f"audio {_iv(iv, 1, unit=' %')}", v, why,
                    [self.link("06_relative_importance", ("Figure 2",), "chapter 06: Figure 2")], "figure2.csv", iv, paper)

    def ri_dkn(self):
        return self._ri("ri_dkn", "Multi-modal DKN")

    def ri_learned(self):
        return self._ri("ri_learned", "Learned DM2KMN")

    # -- Table 4
    def hidden16(self):
        from .paper import paper_table

        t = self.R.read("table4", ("hidden_units", "mean"))
        summary = {int(r["hidden_units"]): (float(r["mean"]), _num(r.get("std")), int(_num(r.get("runs", 1)) or 1))
                   for _, r in t.iterrows()}
        if 16 not in summary or len(summary) < 2:
            raise MissingResult("results/table4.csv: needs 16 hidden units and another setting")
        n_test = None
        try:
            t2 = self.R.read("table2", ("period", "test"))
            tot = t2[t2["period"].astype(str).str.lower() == "total"]
            n_test = int(tot["test"].iloc[0]) if len(tot) else int(pd.to_numeric(t2["test"]).sum())
        except MissingResult:
            pass
        v = V.verdict_best_summary(summary, 16, n_test=n_test)
        p4 = paper_table("table4")["paper_accuracy"]
        best_p = int(p4.idxmax())
        top = max(s[0] for s in summary.values())
        best = [str(k) for k in sorted(summary) if summary[k][0] == top]
        ours = ", ".join(f"{k}: {summary[k][0]:.2f}" for k in sorted(summary))
        runs = min(s[2] for s in summary.values())
        why = (f"{v.reason.split(' (best mean')[0]}; highest mean here: {' and '.join(best)} units "
               f"({runs} run{'s' if runs > 1 else ''} each)")
        iv = V.Interval(summary[16][0], summary[16][0], summary[16][0], runs)
        return _row("hidden16", f"{best_p} units: {p4[best_p]:.2f} % (8-32: {p4.min():.2f}-{p4.max():.2f} %)", ours + " %", v, why,
                    [self.link("04_piano_ablations", ("Table 4",), "chapter 04: Table 4")], "table4.csv", iv, float(p4[best_p]))


#: the claims in the order the findings page lists them
_ORDER = ("re_initial", "learned_vs_dkn", "learned_vs_initial", "learned_vs_fusions", "multimodal_vs_single",
          "text_vs_audio", "speed", "gtzan_table1", "gtzan_protocol", "fourmula", "ri_dkn", "ri_learned", "hidden16")
_TITLES = {
    "re_initial": "The initial DM2KMN approximates the multi-modal DKN closely (RE, Eq. 17)",
    "learned_vs_dkn": "The learned DM2KMN beats the multi-modal DKN (piano)",
    "learned_vs_initial": "End-to-end learning improves the initial DM2KMN (piano)",
    "learned_vs_fusions": "The learned DM2KMN beats every fusion baseline (piano)",
    "multimodal_vs_single": "Fusing audio and text beats the best single modality (piano)",
    "text_vs_audio": "Text (scores) beats audio on the piano set (DKN on one modality)",
    "speed": "The DM2KMN's forward pass is faster than the DKN's",
    "gtzan_table1": "DKN and DM2KMN reach 93-96 % on GTZAN (Table 1)",
    "gtzan_protocol": "GTZAN's 93-96 %: which protocol reaches it (3 s windows, clips, artists)",
    "fourmula": "The DM2KMN reaches 90.4 % on 4MuLA (Table 6)",
    "ri_dkn": "Audio and text about equally important: multi-modal DKN (Figure 2)",
    "ri_learned": "Audio and text about equally important: learned DM2KMN (Figure 2)",
    "hidden16": "16 hidden units are best for the multi-modal DKN (Table 4)",
}


def claims_table(results=None, *, notebooks_dir=None) -> pd.DataFrame:
    """One row per claim of the paper, judged on the result tables in ``results``.

    Parameters
    ----------
    results : path, optional
        A folder of result tables; default: the checkout's committed ``results/`` (not
        ``KMNET_RESULTS``: the findings page judges what the repository holds).
    notebooks_dir : path, optional
        Where the chapters' sources are (for the section links); default the checkout's
        ``notebooks/``.

    Returns
    -------
    DataFrame
        :data:`CLAIM_COLUMNS`: ``key``, ``claim``, ``paper`` and ``ours`` (text, ours with its 95 %
        interval in brackets), ``verdict`` (reproduced / not reproduced / opposite / not testable
        here / :data:`NOT_MEASURED`), ``why``, ``links`` (list of ``(href, title)``), ``source``
        (the results file), and the numbers behind the text: ``ours_value``, ``ours_low``,
        ``ours_high``, ``paper_value``, ``n`` (runs or splits).
    """
    from ..datasets.paths import checkout_path

    R = ResultsFolder(checkout_path("results") if results is None else results)
    if not R.path.is_dir():
        raise ValueError(f"results: {R.path} is not a folder")

    def link(nb, keywords=(), label=None):
        try:
            href, title = section_link(nb, keywords, notebooks_dir=notebooks_dir)
        except MissingResult:
            return (f"{nb}.html", label or nb)
        return href, label or title

    C = _Claims(R, link)
    rows = []
    for key in _ORDER:
        try:
            rows.append(getattr(C, key)())
        except MissingResult as exc:
            rows.append(_row(key, "–", "–", V.Verdict(NOT_MEASURED, str(exc)), str(exc), [], "–"))
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def show_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table as the findings page shows it: text columns, the links as HTML anchors."""
    need = {"claim", "paper", "ours", "verdict", "why", "links"}
    if not need <= set(claims.columns):
        raise ValueError(f"claims: needs columns {sorted(need)}, got {list(claims.columns)}")

    def anchors(links):
        return "<br>".join(f'<a href="{html.escape(h, quote=True)}">{html.escape(t)}</a>' for h, t in links) or "–"

    return pd.DataFrame({
        "claim": claims["claim"].map(html.escape),
        "paper": claims["paper"].map(html.escape),
        "ours (95 % interval)": claims["ours"].map(html.escape),
        "verdict": claims["verdict"].map(html.escape),
        "why": claims["why"].map(html.escape),
        "shown in": claims["links"].map(anchors),
    })


def wrap_table(styler, widths: Sequence[float] | None = None):
    """Let the cells of a styled table wrap, the table spanning the column (``widths`` in % per column).

    The book keeps the cells of result tables on one line; a table of sentences (the claims)
    wraps instead, so that it fits the page without a scroll bar.
    """
    n = len(styler.data.columns)
    if widths is not None and len(widths) != n:
        raise ValueError(f"widths: expected {n} values, got {len(widths)}")
    st = styler.set_properties(**{"white-space": "normal", "vertical-align": "top", "padding-right": "0.6em"})
    rules = [{"selector": "", "props": "width: 100%; table-layout: fixed;"},
             {"selector": "th", "props": "white-space: normal; vertical-align: bottom;"},
             {"selector": "td", "props": "border-top: 1px solid rgba(128, 128, 128, 0.3); padding-top: 0.3em; "
                                         "padding-bottom: 0.3em;"}]
    for i, w in enumerate(widths or ()):
        rules.append({"selector": f"th.col_heading.col{i}", "props": f"width: {float(w):g}%;"})
    return st.set_table_styles(rules, overwrite=False)
