"""Plain HTML tables for the views (dash_table.DataTable is deprecated in Dash 4)."""

from __future__ import annotations

from dash import html

CELL = {"padding": "3px 10px", "borderBottom": "1px solid #ddd", "textAlign": "right"}


def html_table(rows: list[dict], table_id: str | None = None) -> html.Table:
    """A table with one header row (the keys of the first row) and one row per dict."""
    if not rows:
        return html.Table(id=table_id) if table_id else html.Table()
    columns = list(rows[0])
    head = html.Thead(html.Tr([html.Th(c, style=CELL) for c in columns]))
    body = html.Tbody([html.Tr([html.Td("" if r[c] is None else f"{r[c]:,}" if isinstance(r[c], int) else str(r[c]),
                                        style=CELL) for c in columns]) for r in rows])
    kwargs = {"id": table_id} if table_id else {}
    return html.Table([head, body], style={"borderCollapse": "collapse", "margin": "6px 0"}, **kwargs)


def table_rows(table: html.Table) -> list[dict[str, str]]:
    """The rows of an ``html_table`` back as dicts of cell text (for tests and checks)."""
    if not table.children:
        return []
    head, body = table.children
    columns = [th.children for th in head.children.children]
    return [dict(zip(columns, (td.children for td in tr.children))) for tr in body.children]
