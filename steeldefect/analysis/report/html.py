"""The report page: sections of text, tables and figures rendered into one self-contained HTML file.

The page holds its own CSS and links the PNG files beside it by relative name; every string is
escaped, so image ids and paths cannot break the markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1180px;
padding:1.2em 1.6em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:1.8em}
nav ul{columns:2;font-size:.95em}p.meta{color:#666;font-size:.9em;margin-top:0}
table{border-collapse:collapse;margin:.6em 0 1em;font-size:.9em}caption{text-align:left;font-weight:600;
padding:.2em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f2f2f2}
td:first-child,th:first-child{text-align:left}
figure{margin:.8em 0 1.4em}figure img{max-width:100%;border:1px solid #e3e3e3}
figcaption{font-size:.88em;color:#555}.note{background:#fff7e0;border-left:4px solid #f0b400;
padding:.35em .7em;margin:.5em 0;font-size:.92em}
"""


@dataclass
class Table:
    """A table of figures: header cells and rows of already formatted cells."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One part of the report: explanatory paragraphs, notes (what was skipped and why), tables, figures."""

    key: str  # HTML id, also the stem of the section's figure files
    title: str
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (PNG file name, caption)


def _table(t: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in t.rows)
    return f"<table><caption>{escape(t.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(s: Section) -> str:
    parts = [f'<section id="{escape(s.key)}"><h2>{escape(s.title)}</h2>']
    parts += [f"<p>{escape(p)}</p>" for p in s.paragraphs]
    parts += [f'<p class="note">{escape(n)}</p>' for n in s.notes]
    parts += [_table(t) for t in s.tables]
    parts += [f'<figure><a href="{escape(name)}"><img src="{escape(name)}" alt="{escape(caption)}"></a>'
              f"<figcaption>{escape(caption)}</figcaption></figure>" for name, caption in s.figures]
    parts.append("</section>")
    return "\n".join(parts)


def render_page(title: str, meta: list[str], sections: list[Section]) -> str:
    """The whole HTML page: title, a line of facts per ``meta`` entry, contents, then the sections."""
    toc = "".join(f'<li><a href="#{escape(s.key)}">{escape(s.title)}</a></li>' for s in sections)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>", *[f'<p class="meta">{escape(m)}</p>' for m in meta],
        f"<nav><ul>{toc}</ul></nav>", *[_section(s) for s in sections], "</body></html>", ""])
