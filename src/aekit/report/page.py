"""The report's page shell: sections, the text helpers every section uses, the HTML page.

A :class:`Section` is one titled block; :func:`render_page` lays a list of them out as
one self-contained HTML page (inline CSS, a navigation bar, no scripts, no external
links). The helpers here are what sections share to write their bodies — escaping,
number formatting, embedded figures — so every section formats the same way.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    """One titled block of the page; ``anchor`` is its ``id`` and navigation target.

    ``body`` holds finished HTML fragments (already escaped), joined by newlines.
    """

    anchor: str
    title: str
    body: list[str] = field(default_factory=list)


def escape(text: str) -> str:
    """``text`` made safe for HTML element content and attribute values (quotes too)."""
    return html.escape(text, quote=True)


def finite(v: Any) -> bool:
    """True for a finite real number; False for None, NaN, inf, bools and non-numbers.

    Values read from ``metrics.json`` may be missing or NaN, and a bool is an int in
    Python, so tables test with this before formatting a number.
    """
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def fmt(v: Any, spec: str) -> str:
    """``spec.format(v)`` (e.g. ``"{:.2f}"``) for a finite number, else an em dash.

    A missing or non-finite score shows as "—" instead of "nan" or an error.
    """
    return spec.format(float(v)) if finite(v) else "—"


def class_name(label: int, classes: list[str] | None) -> str:
    """The name of class ``label`` when the data name their classes, else the number."""
    if classes is not None and 0 <= label < len(classes):
        return str(classes[label])
    return str(label)


def figure(png: bytes, caption: str, alt: str) -> str:
    """A ``<figure>`` with ``png`` embedded as a data URI, so the page needs no other file.

    ``caption`` is HTML (callers escape what they interpolate); ``alt`` is plain text.
    """
    data = base64.b64encode(png).decode("ascii")
    return (f"<figure><img alt=\"{escape(alt)}\" src=\"data:image/png;base64,{data}\">"
            f"<figcaption>{caption}</figcaption></figure>")


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;
  background:#f6f7f9;margin:0}
main{max-width:1080px;margin:0 auto;padding:24px 32px 48px;background:#fff;min-height:100vh}
h1{font-size:26px;margin:8px 0 2px}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid #e1e4e8}
.sub{color:#5b6570;margin:0 0 12px}
nav{font-size:13px;margin-bottom:8px}
nav a{color:#3b6ea8;text-decoration:none;margin-right:14px}
table{border-collapse:collapse;margin:8px 0}
th,td{padding:5px 12px;border-bottom:1px solid #e6e8eb;text-align:left;vertical-align:top}
table.kv th{color:#5b6570;font-weight:500;white-space:nowrap;width:200px}
table.metrics thead th{border-bottom:2px solid #c9ced4;text-align:right}
table.metrics thead th:first-child{text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.model td:first-child{font-weight:600}
tr.input td{color:#6a737d;font-style:italic}
tr.best td{background:#e3f4e6}
.badge{font-size:11px;font-style:normal;background:#2e8540;color:#fff;border-radius:3px;
  padding:1px 5px;margin-left:6px;vertical-align:1px}
.lead{font-size:16px}
.muted{color:#6a737d;font-size:13px}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px}
code{background:#f1f3f5;padding:1px 4px;border-radius:3px;font-size:90%}
pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:12px;max-height:480px}
details{margin:10px 0}
summary{cursor:pointer;color:#3b6ea8}
figure{margin:8px 0 16px}
figure img{max-width:100%;height:auto;display:block;border:1px solid #eef0f2}
figcaption{color:#5b6570;font-size:13px;margin-top:6px}
"""


def render_page(name: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole HTML document: heading, subtitle, navigation, then each section in order."""
    nav = "".join(f"<a href=\"#{s.anchor}\">{escape(s.title)}</a>" for s in sections)
    blocks = "\n".join(f"<section id=\"{s.anchor}\"><h2>{escape(s.title)}</h2>\n"
                       + "\n".join(s.body) + "</section>" for s in sections)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>aekit report: {escape(name)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body><main>\n<h1>{escape(name)}</h1>\n<p class=sub>{escape(subtitle)}</p>\n"
            f"<nav>{nav}</nav>\n{blocks}\n</main></body>\n</html>\n")
