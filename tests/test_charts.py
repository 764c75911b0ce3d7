"""The shared charts: built from hand-made frames by the pure ``*_figure`` functions, then
drawn once each in a tiny app. Settings are the defaults (线索办结率: amber below 90 %, red
below 70 %; 整改销号率: red more than 20 points behind 时间进度)."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

import queries  # noqa: F401  (registers the figures)
from queries.database import Campaign, Phase
from queries.period import Period
from ui import charts
from ui.theme import FONT_FAMILY, PRIMARY, WARNING_COLOURS

CAMPAIGN = Campaign("C1", "专项整治", date(2026, 3, 1), date(2026, 12, 31), (
    Phase(1, "自查自纠", date(2026, 3, 1), date(2026, 4, 30)),
    Phase(2, "全面检查", date(2026, 5, 1), date(2026, 7, 31)),
    Phase(3, "重点抽查", date(2026, 7, 15), date(2026, 9, 30)),      # overlaps 全面检查
    Phase(4, "整改深化", date(2026, 10, 1), date(2026, 12, 31))))
Q3 = Period("2026Q3", date(2026, 7, 1), date(2026, 9, 30), date(2026, 9, 30), date(2026, 11, 15))


def _view(period: Period = Q3, campaign=CAMPAIGN, scope_name: str = "厦门市", child_level="district"):
    scope = SimpleNamespace(name=scope_name, children=(SimpleNamespace(level=child_level),))
    return SimpleNamespace(db=SimpleNamespace(campaign=campaign),
                           filters=SimpleNamespace(scope=scope, period=period, top=scope))


def _frame(key: str, values: dict, unknown=None) -> pd.DataFrame:
    """A compute() frame: the total, one row per district (code → (name, value)), 未识别区划."""
    rows = [{"code": "350200", "name": "厦门市", "is_total": True, key: 1.0}]
    rows += [{"code": code, "name": name, "is_total": False, key: v} for code, (name, v) in values.items()]
    if unknown is not None:
        rows.append({"code": None, "name": "未识别区划", "is_total": False, key: unknown})
    return pd.DataFrame(rows)


DISTRICTS = {"350203": "思明区", "350205": "海沧区", "350206": "湖里区", "350211": "集美区"}


def _four(key: str, values: tuple, unknown=None) -> pd.DataFrame:
    return _frame(key, {c: (n, v) for (c, n), v in zip(DISTRICTS.items(), values)}, unknown)


def _bars(fig):
    return fig.data[0]


def _labels(fig) -> list[str]:
    return list(fig.layout.yaxis.ticktext)


def _line_xs(fig) -> list[float]:
    return [s.x0 for s in fig.layout.shapes if s.type == "line"]


def _annotations(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# --------------------------------------------------------------------------- ranking

def test_higher_worse_ranks_the_highest_first_and_no_value_last():
    # 漏保率, higher is worse: 海沧 12.5 > 集美 8.0 > 思明 5.0; 湖里 has none; 未识别区划 50 is no place
    fig = charts.ranked_figure(_view(), _four("gap_rate", (5.0, 12.5, None, 8.0), unknown=50.0), "gap_rate")
    assert _labels(fig) == ["海沧区", "集美区", "思明区", "湖里区"]
    assert list(_bars(fig).customdata) == ["350205", "350211", "350203"]
    assert list(_bars(fig).x) == [12.5, 8.0, 5.0]
    assert list(_bars(fig).text) == ["12.5%", "8.0%", "5.0%"]
    no_value = fig.data[1]
    assert list(no_value.text) == ["无数据"] and list(no_value.y) == [fig.layout.yaxis.tickvals[3]]
    assert list(fig.layout.yaxis.range) == [3.5, -0.5]    # the first row at the top
    assert "未识别区划：50.0%" in " ".join(_annotations(fig))
    assert fig.layout.xaxis.title.text == "漏保率（%）"
    assert "第1/3位（由差到好）" in _bars(fig).hovertext[0]


def test_higher_better_ranks_the_lowest_first_with_threshold_lines_and_colours():
    # 线索办结率, higher is better: 海沧 60 (red, < 70), 集美 85 (amber, < 90), 思明 95
    fig = charts.ranked_figure(_view(), _four("clue_conclusion_rate", (95.0, 60.0, None, 85.0)),
                               "clue_conclusion_rate")
    assert _labels(fig) == ["海沧区", "集美区", "思明区", "湖里区"]
    assert list(_bars(fig).marker.color) == [WARNING_COLOURS["red"], WARNING_COLOURS["amber"], PRIMARY]
    assert sorted(_line_xs(fig)) == [70.0, 90.0]
    texts = _annotations(fig)
    assert "黄色预警线 90.0%" in texts and "红色预警线 70.0%" in texts
    assert any("红色预警" in t and "黄色预警" in t and t.startswith("柱色") for t in texts)


def test_rect_close_rate_draws_time_progress_and_its_red_line():
    # 时间进度 on 2026-09-30 of a campaign 2026-03-01..12-31: 214 of 306 days = 69.93 %;
    # red 20 points behind: 49.93 %
    fig = charts.ranked_figure(_view(), _four("rect_close_rate", (80.0, 60.0, 40.0, None)), "rect_close_rate")
    assert sorted(_line_xs(fig)) == pytest.approx([100 * 214 / 306 - 20, 100 * 214 / 306])
    assert "时间进度（黄色预警线） 69.9%" in _annotations(fig)
    assert list(_bars(fig).marker.color) == [WARNING_COLOURS["red"], WARNING_COLOURS["amber"], PRIMARY]


def test_threshold_lines_follow_the_settings(monkeypatch):
    monkeypatch.setenv("OVERSIGHT_WARN_CLUE_RATE_AMBER", "95")
    monkeypatch.setenv("OVERSIGHT_WARN_CLUE_RATE_RED", "80")
    monkeypatch.setenv("OVERSIGHT_WARN_RECT_LAG_RED", "10")
    fig = charts.ranked_figure(_view(), _four("clue_conclusion_rate", (95.0, 60.0, None, 85.0)),
                               "clue_conclusion_rate")
    assert sorted(_line_xs(fig)) == [80.0, 95.0]
    fig = charts.ranked_figure(_view(), _four("rect_close_rate", (80.0, 60.0, 40.0, None)), "rect_close_rate")
    assert sorted(_line_xs(fig)) == pytest.approx([100 * 214 / 306 - 10, 100 * 214 / 306])


def test_page_lines_and_highlight():
    fig = charts.ranked_figure(_view(), _four("gap_rate", (5.0, 12.5, 7.0, 8.0)), "gap_rate",
                               lines=[("厦门市", 9.0)], highlight="350211")
    assert _line_xs(fig) == [9.0]
    assert "厦门市 9.0%" in _annotations(fig)
    assert _labels(fig)[1] == "<b>集美区</b>"
    assert list(_bars(fig).marker.line.width) == [0, 2.5, 0, 0]


def test_neither_direction_ranks_the_largest_first_and_ties_share_a_rank():
    # 受理线索数 (direction 0): 思明 7, 海沧 7, 湖里 3, 集美 9 → 集美, 思明, 海沧 (tie, given order), 湖里
    fig = charts.ranked_figure(_view(), _four("clues_received", (7, 7, 3, 9)), "clues_received")
    assert _labels(fig) == ["集美区", "思明区", "海沧区", "湖里区"]
    assert [h.split("<br>")[2] for h in _bars(fig).hovertext] == [
        "第1/4位（由高到低）", "第2/4位（由高到低）", "第2/4位（由高到低）", "第4/4位（由高到低）"]
    assert list(_bars(fig).text) == ["9 件", "7 件", "7 件", "3 件"]


def test_heading_names_scope_period_and_as_of_day_and_the_png_file():
    fig = charts.ranked_figure(_view(), _four("gap_rate", (5.0, 12.5, 7.0, 8.0)), "gap_rate")
    assert fig.layout.title.text == "<b>漏保率 · 各区排名</b>"
    assert fig.layout.title.subtitle.text == "厦门市 · 2026年第3季度 · 统计截至 2026-09-30"
    assert fig.layout.meta["filename"] == "漏保率_各区排名_厦门市_2026年第3季度"
    cut = Period("2026Q4", date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 15), date(2026, 11, 15))
    fig = charts.ranked_figure(_view(cut, child_level="township", scope_name="同安区"),
                               _four("gap_rate", (5.0, 1.0, 2.0, 3.0)), "gap_rate")
    assert fig.layout.title.text == "<b>漏保率 · 各镇（街道）排名</b>"
    # a quarter cut short: named once, by the as-of day
    assert fig.layout.title.subtitle.text == "同安区 · 2026年第4季度 · 统计截至 2026-11-15"
    campaign = Period("campaign", date(2026, 3, 1), date(2026, 12, 31), date(2026, 11, 15), date(2026, 11, 15))
    fig = charts.ranked_figure(_view(campaign), _four("gap_rate", (5.0, 1.0, 2.0, 3.0)), "gap_rate")
    assert fig.layout.title.subtitle.text == "厦门市 · 专项治理以来 · 统计截至 2026-11-15"


def test_names_from_the_database_are_text_not_html():
    frame = _frame("gap_rate", {"350203": ('<img src=x onerror=alert(1)>镇', 3.0)})
    fig = charts.ranked_figure(_view(scope_name="<b>市</b>"), frame, "gap_rate", note="注<a href='//x'>链接</a>")
    assert _labels(fig) == ["&lt;img src=x onerror=alert(1)&gt;镇"]
    assert fig.layout.title.subtitle.text.startswith("&lt;b&gt;市&lt;/b&gt;")
    assert "注&lt;a href='//x'&gt;链接&lt;/a&gt;" in _annotations(fig)


def test_nothing_to_rank_gives_no_figure():
    assert charts.ranked_figure(_view(), _four("gap_rate", (None, None, None, None), unknown=3.0),
                                "gap_rate") is None
    assert charts.ranked_figure(_view(), _four("gap_rate", ())[:1], "gap_rate") is None


def test_a_long_ranking_gets_room_for_every_bar_and_legible_text():
    values = {f"350212{i:03d}": (f"第{i}镇", float(i)) for i in range(45)}
    long, short = (charts.ranked_figure(_view(), _frame("gap_rate", v), "gap_rate")
                   for v in (values, dict(list(values.items())[:6])))
    assert (long.layout.height - short.layout.height) / 39 >= 20       # ≥ 20 px per bar
    assert len(_labels(long)) == 45
    assert long.layout.font.family == FONT_FAMILY
    assert min(_font_sizes(long.to_plotly_json())) >= 12


def _font_sizes(node) -> list[float]:
    """Every font size set anywhere in a figure."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("font", "textfont") and isinstance(v, dict) and v.get("size") is not None:
                out.append(v["size"])
            out += _font_sizes(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            out += _font_sizes(v)
    return out


# --------------------------------------------------------------------------- trend

def _series(months: list[date], **columns) -> pd.DataFrame:
    ends = [(pd.Timestamp(m) + pd.offsets.MonthEnd(0)).date() for m in months]
    return pd.DataFrame({"month": months, "day": ends, **columns})


JAN_TO_NOV = [date(2026, m, 1) for m in range(1, 12)]


def test_trend_of_a_few_months_writes_every_point():
    series = _series(JAN_TO_NOV[:3], gap_persons=[7, 5, 6])
    fig = charts.trend_figure(_view(), series, ["gap_persons"])
    assert list(fig.data[0].text) == ["7", "5", "6"]


def test_a_first_december_leaves_the_year_to_january():
    months = [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert charts.tick_labels(months) == ["12月", "1月<br>2026年", "2月"]
    assert charts.tick_labels(months[1:]) == ["1月<br>2026年", "2月"]
    assert charts.tick_labels([date(2026, 3, 1), date(2026, 4, 1)]) == ["3月<br>2026年", "4月"]


def test_trend_has_one_band_per_phase_inside_the_months_shown():
    series = _series(JAN_TO_NOV, gap_persons=list(range(40, 51)))
    fig = charts.trend_figure(_view(), series, ["gap_persons"])
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    # the x range runs from 2026-01-01 to 2026-12-01: 整改深化 is cut at the range's end
    assert [(b.x0, b.x1) for b in bands] == [
        (date(2026, 3, 1), date(2026, 5, 1)), (date(2026, 5, 1), date(2026, 8, 1)),
        (date(2026, 7, 15), date(2026, 10, 1)), (date(2026, 10, 1), date(2026, 12, 1))]
    assert [a.text for a in fig.layout.annotations] == ["自查自纠", "全面检查", "重点抽查", "整改深化"]
    assert fig.layout.yaxis.title.text == "漏保人数（人）"
    assert fig.layout.title.subtitle.text == "厦门市 · 2026年1月—11月 · 统计截至 2026-11-30"
    assert list(fig.layout.xaxis.ticktext)[:3] == ["1月<br>2026年", "2月", "3月"]
    # eleven months: the lowest (first), and the highest which is the last, are written;
    # the unit is on the axis
    assert list(fig.data[0].text) == ["40"] + [""] * 9 + ["50"]


def test_trend_clips_phases_to_the_months_shown_and_stacks_colliding_labels():
    series = _series([date(2026, m, 1) for m in (5, 6, 7, 8)], gap_persons=[1, 2, 3, 4])
    fig = charts.trend_figure(_view(), series, ["gap_persons"])
    bands = [(s.x0, s.x1) for s in fig.layout.shapes if s.type == "rect"]
    assert bands == [(date(2026, 5, 1), date(2026, 8, 1)), (date(2026, 7, 15), date(2026, 9, 1))]
    # two phases on the same days: their names on two rows above the plot
    twins = Campaign("C", "x", date(2026, 1, 1), date(2026, 12, 31), (
        Phase(1, "第一阶段", date(2026, 3, 1), date(2026, 6, 30)),
        Phase(2, "第二阶段", date(2026, 3, 1), date(2026, 6, 30))))
    fig = charts.trend_figure(_view(campaign=twins), _series(JAN_TO_NOV, gap_persons=[1] * 11), ["gap_persons"])
    shifts = sorted(a.yshift for a in fig.layout.annotations)
    assert shifts[1] - shifts[0] >= 16


def test_trend_two_units_two_axes_and_no_campaign_no_bands():
    series = _series(JAN_TO_NOV, gap_persons=[5] * 11, gap_rate=[1.5] * 11, deceased_active=[0] * 11)
    fig = charts.trend_figure(_view(campaign=None), series, ["gap_persons", "deceased_active", "gap_rate"])
    assert fig.layout.yaxis.title.text == "人数（人）"
    assert fig.layout.yaxis2.title.text == "漏保率（%）"
    assert [t.yaxis for t in fig.data] == ["y", "y", "y2"]
    assert not [s for s in fig.layout.shapes if s.type == "rect"]
    assert fig.layout.showlegend
    with pytest.raises(ValueError):
        charts.trend_figure(_view(), series.assign(clue_days_mean=1.0),
                            ["gap_persons", "gap_rate", "clue_days_mean"])


def test_empty_trend_gives_no_figure():
    assert charts.trend_figure(_view(), _series([], gap_persons=[]), ["gap_persons"]) is None
    assert charts.trend_figure(_view(), _series(JAN_TO_NOV[:2], gap_persons=[None, None]),
                               ["gap_persons"]) is None


# --------------------------------------------------------------------------- mix

def test_mix_sorts_largest_first_with_shares_of_the_total_and_blank_last():
    frame = pd.DataFrame([
        {"code": "350200", "name": "厦门市", "is_total": True, "gap_persons": 40},
        {"code": "low_income", "name": "低收入", "is_total": False, "gap_persons": 10},
        {"code": None, "name": "未填写", "is_total": False, "gap_persons": 12},
        {"code": "edge", "name": "边缘易致贫", "is_total": False, "gap_persons": 18}])
    fig = charts.mix_figure(_view(), frame, "gap_persons")
    assert _labels(fig) == ["边缘易致贫", "低收入", "未填写"]
    assert list(_bars(fig).text) == ["18 人（45.0%）", "10 人（25.0%）", "12 人（30.0%）"]
    assert "括号内为占厦门市合计（40 人）的比例。" in _annotations(fig)


def test_mix_of_a_plain_frame_and_of_a_rate():
    plain = pd.DataFrame({"label": ["来信", "来访", "网上"], "value": [3, 9, None]})
    fig = charts.mix_figure(_view(), plain, "petitions", title="信访件数 · 按渠道")
    assert _labels(fig) == ["来访", "来信", "网上"]
    assert list(_bars(fig).text) == ["9 件（75.0%）", "3 件（25.0%）"]
    rates = pd.DataFrame({"label": ["甲", "乙"], "value": [12.5, 30.0]})
    assert list(_bars(charts.mix_figure(_view(), rates, "gap_rate")).text) == ["30.0%", "12.5%"]
    assert charts.mix_figure(_view(), plain.iloc[0:0], "petitions") is None


# --------------------------------------------------------------------------- histogram

def test_histogram_bins_around_the_30_day_line():
    # 13 people: 2 waited 0 days, 1 waited 3, 4 waited 30, 5 waited 31, 1 waited 45.
    # Widest wait 45 → 2-day columns (1-day would need 46 > 30): 0–2, 3–4, 29–30, 31–32, 45–46
    hist = [(0, 2), (3, 1), (30, 4), (31, 5), (45, 1)]
    fig = charts.histogram_figure(_view(), hist, title="待纳入天数分布", median=30)
    bars = _bars(fig)
    assert list(bars.y) == [2, 1, 4, 5, 1]
    assert list(bars.x) == [1.0, 3.5, 29.5, 31.5, 45.5]
    amber = WARNING_COLOURS["amber"]
    assert list(bars.marker.color) == [PRIMARY, PRIMARY, PRIMARY, amber, amber]
    assert sorted(_line_xs(fig)) == [30.0, 30.5]          # the median; between day 30 and 31
    texts = _annotations(fig)
    assert "超30天：6 人" in texts and "中位数 30 天" in texts and "共 13 人；每柱 2 天。" in texts
    assert fig.layout.xaxis.title.text == "待纳入天数（天）"
    assert fig.layout.yaxis.title.text == "人数（人）"


def test_histogram_of_short_waits_has_a_column_per_day_and_empty_gives_none():
    fig = charts.histogram_figure(_view(), [(1, 3), (2, 1)], title="t")
    assert list(_bars(fig).x) == [1.0, 2.0] and list(_bars(fig).width) == [1, 1]
    assert charts.histogram_figure(_view(), [], title="t") is None
    assert charts.histogram_figure(_view(), [(None, 4)], title="t") is None


# --------------------------------------------------------------------------- drawing

def test_every_kind_of_figure_is_valid_plotly():
    """The builders skip plotly's validation for speed: every property they set must pass it
    (a misspelt one would be silently ignored by the browser)."""
    series = _series(JAN_TO_NOV, gap_persons=[5] * 11, gap_rate=[1.5] * 11)
    figures = [
        charts.ranked_figure(_view(), _four("clue_conclusion_rate", (95.0, 60.0, None, 85.0), unknown=1.0),
                             "clue_conclusion_rate", lines=[("厦门市", 80.0)], highlight="350203", note="注"),
        charts.ranked_figure(_view(), _four("deceased_active", (0, 2, 1, 0)), "deceased_active"),
        charts.trend_figure(_view(), series, ["gap_persons", "gap_rate"], note="注"),
        charts.trend_figure(_view(), series, ["gap_persons"]),
        charts.mix_figure(_view(), pd.DataFrame({"label": ["甲", "乙"], "value": [1, None]}), "gap_persons"),
        charts.histogram_figure(_view(), [(0, 2), (45, 1)], title="t", median=3.5)]
    for fig in figures:
        go.Figure(fig.to_dict())               # raises ValueError on an invalid property



def test_a_click_picks_the_code_in_customdata():
    assert charts.picked_code({"selection": {"points": [{"customdata": "350203", "x": 1}]}}) == "350203"
    assert charts.picked_code({"selection": {"points": [{"customdata": ["350205", 2]}]}}) == "350205"
    assert charts.picked_code({"selection": {"points": [{"x": 3}]}}) is None
    assert charts.picked_code({"selection": {"points": []}}) is None
    assert charts.picked_code(None) is None


def test_config_downloads_a_png_at_scale_2_in_chinese():
    config = charts.plotly_config("漏保率_厦门市")
    assert config["toImageButtonOptions"] == {"format": "png", "scale": 2, "filename": "漏保率_厦门市",
                                              "width": 720}
    assert config["locale"] == "zh-CN"
    assert config["locales"]["zh-CN"]["dictionary"]["Download plot as a PNG"] == "下载图片（PNG）"
    assert "lasso2d" in config["modeBarButtonsToRemove"] and not config["displaylogo"]


def _chart_page() -> None:
    """Every chart once, and an empty one (run by AppTest)."""
    from datetime import date
    from types import SimpleNamespace

    import pandas as pd
    import streamlit as st

    import queries  # noqa: F401
    from queries.database import Campaign, Phase
    from queries.period import Period
    from ui import charts

    campaign = Campaign("C1", "专项整治", date(2026, 3, 1), date(2026, 12, 31),
                        (Phase(1, "自查自纠", date(2026, 3, 1), date(2026, 4, 30)),))
    period = Period("2026Q3", date(2026, 7, 1), date(2026, 9, 30), date(2026, 9, 30), date(2026, 9, 30))
    scope = SimpleNamespace(name="厦门市", children=(SimpleNamespace(level="district"),))
    view = SimpleNamespace(db=SimpleNamespace(campaign=campaign),
                           filters=SimpleNamespace(scope=scope, period=period, top=scope))
    frame = pd.DataFrame({"code": ["350200", "350203", "350205"], "name": ["厦门市", "思明区", "海沧区"],
                          "is_total": [True, False, False], "gap_rate": [5.0, 4.0, 6.0]})
    charts.ranked_bars(view, frame, "gap_rate", key="rank", on_pick=lambda code: st.session_state.update(p=code))
    months = [date(2026, m, 1) for m in (3, 4, 5)]
    series = pd.DataFrame({"month": months, "day": [date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)],
                           "gap_persons": [3, 4, 5]})
    charts.trend_lines(view, series, ["gap_persons"], key="trend")
    charts.mix_bars(view, pd.DataFrame({"label": ["甲", "乙"], "value": [1, 2]}), "gap_persons", key="mix")
    charts.histogram_bars(view, [(1, 2), (40, 1)], key="hist", title="待纳入天数分布", median=1)
    charts.ranked_bars(view, frame.iloc[:1], "gap_rate", key="empty")


def test_every_chart_draws_in_an_app():
    at = AppTest.from_function(_chart_page, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 4
    assert [i.value for i in at.info] == ["暂无数据"]
