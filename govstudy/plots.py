"""Figures that render Chinese: a CJK font for matplotlib/seaborn and bilingual labels.

Two ways, for two owners:

* a researcher's notebook may call :func:`set_theme` (seaborn's theme plus the CJK font), which sets global
  matplotlib settings, as ``seaborn.set_theme`` does -- the notebook's choice;
* govstudy's own ``plot()`` methods never touch global settings: :func:`cjk_figure` names the CJK font on every
  text artist of the figure they drew (and on the tick labels matplotlib makes later), so Chinese still renders
  when the figure is drawn later -- inline in Jupyter, or by ``savefig`` after ``plot()`` returned.

>>> from govstudy.plots import set_theme, bilingual
>>> font = set_theme()          # seaborn theme + a CJK font found through fontconfig/matplotlib
>>> bilingual("社区", "community")
'社区 community'
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import matplotlib
from matplotlib import font_manager

#: CJK families tried in order; Debian's fonts-noto-cjk provides the first ones.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
                "Heiti SC", "Arial Unicode MS")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font family that can draw Chinese, or ``None`` (with a warning saying how to fix it)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    warnings.warn("no CJK font found: Chinese labels will show as boxes. On Debian/Ubuntu run "
                  "`apt-get install fonts-noto-cjk` (the Makefile does this), then delete ~/.cache/matplotlib.",
                  stacklevel=2)
    return None


def use_cjk_font() -> str | None:
    """Make matplotlib draw Chinese with the CJK font (kept after ``seaborn.set_theme``); return its name."""
    family = cjk_font()
    if family is not None:
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # CJK fonts may lack U+2212
    matplotlib.rcParams["pdf.fonttype"] = 42  # embed fonts in PDF exhibits (TrueType/CID), not Type 3
    matplotlib.rcParams["svg.fonttype"] = "none"
    return family


def cjk_figure(fig):
    """Name the CJK font (with DejaVu Sans as fallback for symbols) on every text of ``fig``; return ``fig``.

    Titles, labels, legends and annotations get the font now; tick labels, which matplotlib re-creates at
    draw time, get it through ``tick_params(labelfontfamily=...)``. No global setting changes.
    """
    from matplotlib.text import Text

    family = cjk_font()
    if family is None:
        return fig
    families = [family, "DejaVu Sans"]
    for text in fig.findobj(Text):
        text.set_fontfamily(families)
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=families)
    return fig


def set_theme(style: str = "whitegrid", context: str = "notebook", **kwargs) -> str | None:
    """``seaborn.set_theme`` followed by ``use_cjk_font``; returns the CJK font used."""
    import seaborn as sns

    sns.set_theme(style=style, context=context, **kwargs)
    return use_cjk_font()


def bilingual(zh: str, en: str, sep: str = " ") -> str:
    """A label with Chinese first and English after, e.g. for axis titles and legends."""
    return f"{zh}{sep}{en}" if zh and en else (zh or en)


def simulated_title(title: str) -> str:
    """Mark a figure title as showing simulated data (模拟数据), as every such figure must be."""
    return f"{title} — 模拟数据 SIMULATED DATA"
