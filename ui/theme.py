"""One look for the whole app: colours, the CJK font stack, the warning colours.

Maps and charts take their colours from here, so a district is the same shade of "bad"
on the map, in a ranking and in a briefing picture.
"""
from __future__ import annotations

# the fonts a Chinese government desktop has offline, best first (deck.gl text and plotly)
CJK_FONTS = ("Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei",
             "sans-serif")
FONT_FAMILY = ", ".join(f'"{f}"' if " " in f else f for f in CJK_FONTS)

# five sequential classes, lightest = best, darkest = worst, whatever a figure's direction;
# ColorBrewer OrRd-5: its lightness falls step by step, so it stays ordered in grey print
CLASS_COLOURS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA_COLOUR = "#d9d9d9"        # areas without a value (无数据)
HIGHLIGHT_COLOUR = "#1f3b73"      # the outline of the scope's own township among its district's

PRIMARY = "#1f5fa8"               # bars and lines: one blue for the app
SECONDARY = "#8c8c8c"             # a second series (e.g. the previous quarter, a yardstick)
SERIES = ("#1f5fa8", "#e08214", "#2c8c5a", "#8a3ffc", "#8c8c8c")   # several lines
THRESHOLD = "#c0392b"             # a warning threshold drawn on a chart
PHASE_BANDS = ("rgba(31,95,168,0.07)", "rgba(224,130,20,0.08)")   # campaign phases, alternating

WARNING_COLOURS = {"red": "#c0392b", "amber": "#e08214", "ok": "#2c8c5a", None: "#8c8c8c"}
WARNING_LABELS = {"red": "红色预警", "amber": "黄色预警", "ok": "正常", None: "—"}


def hex_to_rgb(colour: str, alpha: int = 255) -> list[int]:
    """'#fc8d59' → [252, 141, 89, alpha] (deck.gl wants RGBA lists)."""
    colour = colour.lstrip("#")
    return [int(colour[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]

# charts (ui/charts.py): text, grid and the white ground a pasted PNG needs
TEXT_COLOUR = "#262626"
MUTED_COLOUR = "#595959"          # subtitles, notes, 无数据 (dark enough for grey print)
GRID_COLOUR = "#e6e6e6"
BACKGROUND = "#ffffff"
