"""Rich terminal tables. Colour follows rich's rules: NO_COLOR and non-TTY output are respected."""

from __future__ import annotations

import os

from rich.console import Console
from rich.table import Table


def make_console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, no_color=bool(os.environ.get("NO_COLOR")) or None, highlight=False)


def _rate(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def score_summary_table(summary: dict, title: str = "Style checks") -> Table:
    table = Table(title=f"{title} ({summary['n']} responses)", title_justify="left")
    table.add_column("check")
    table.add_column("kind", style="dim")
    table.add_column("pass rate", justify="right")
    table.add_column("passed", justify="right")
    table.add_column("failed", justify="right")
    table.add_column("unscored", justify="right")
    for cid, row in summary["checks"].items():
        rate = row["pass_rate"]
        style = "" if rate is None else ("green" if rate >= 0.8 else "yellow" if rate >= 0.5 else "red")
        name = f"[bold]{cid}[/bold]" if row["kind"] == "overall" else cid
        table.add_row(name, row["kind"], f"[{style}]{_rate(rate)}[/{style}]" if style else _rate(rate),
                      str(row["passed"]), str(row["failed"]), str(row["unscored"]))
    return table


def rows_table(scored: list[dict], check_ids: list[str], limit: int = 40) -> Table:
    """One row per response: a mark per check (✓ pass, ✗ fail, · unscored)."""
    table = Table(title="Per response", title_justify="left")
    table.add_column("id")
    for cid in check_ids:
        table.add_column(cid, justify="center")
    table.add_column("overall", justify="center")
    mark = {"passed": "[green]✓[/green]", "failed": "[red]✗[/red]", "unscored": "[dim]·[/dim]"}
    for row in scored[:limit]:
        table.add_row(str(row.get("id", "")), *[mark[row["checks"][c]["status"]] for c in check_ids],
                      mark[row["overall"]["status"]])
    return table
