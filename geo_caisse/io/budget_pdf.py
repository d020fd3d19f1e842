"""A budget scenario printed for a committee meeting: one A4 page with the settings and the
money as a table, and who funds what as a bar (matplotlib, DejaVu Sans)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from geo_caisse.io.drawing import one_at_a_time

A4_IN = (8.27, 11.69)
COLOURS = ("#0f766e", "#1d4ed8", "#a16207", "#7c3aed", "#be185d", "#475569", "#b91c1c")


@one_at_a_time
def budget_pdf(title: str, lines: Sequence[tuple[str, str]],
               shares: Sequence[tuple[str, float]], *, footer: str = "") -> bytes:
    """``lines`` as a two-column table and ``shares`` (funder, fraction of the MonA issued)
    as one stacked bar with its legend; the last share is what is left to fund."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig = plt.figure(figsize=A4_IN)
    fig.text(0.08, 0.955, title, fontsize=15, fontweight="bold", family="DejaVu Sans")
    y = 0.92
    for label, value in lines:
        fig.text(0.08, y, label, fontsize=8.5, family="DejaVu Sans")
        fig.text(0.92, y, value, fontsize=8.5, family="DejaVu Sans", ha="right")
        y -= 0.0205
    ax = fig.add_axes((0.08, 0.05, 0.84, 0.06))
    left = 0.0
    for i, (name, share) in enumerate(shares):
        colour = "#e7e5e4" if i == len(shares) - 1 else COLOURS[i % len(COLOURS)]
        ax.barh([0], [share], left=[left], color=colour, edgecolor="#44403c", label=name,
                hatch="//" if i == len(shares) - 1 else None)
        left += share
    ax.set_xlim(0, max(1.0, left))
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda v, _: f"{v * 100:.0f} %"))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.1), ncol=3, fontsize=7.5,
              frameon=False)
    ax.set_title("Qui finance les MonA émises", fontsize=9, pad=34)
    if footer:
        fig.text(0.08, 0.015, footer, fontsize=7, color="#57534e")
    out = io.BytesIO()
    fig.savefig(out, format="pdf")
    plt.close(fig)
    return out.getvalue()


__all__ = ["budget_pdf"]
