"""The townships with the highest 乡镇问题指数, with the four components beside the index
(metrics.md: every place that shows it also shows the components), each row a link to the
township's profile."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries import problem_index
from queries.figures import METRICS, Metric
from queries.problem_index import COMPONENTS, INDEX_LABEL, INDEX_METRIC, WORST_INDEX_METRIC
from ui import data, tables
from ui.navigation import View

INDEX_HELP = ("四项分量（漏保率、每万人新增重复信访事项、逾期未办结线索、逾期未整改）各自在全部乡镇中的"
              "百分位（0–100，越高越差）的加权平均；不随查看范围变化。")


def top_townships(view: View, index: pd.DataFrame, *, n: int = 10, key: str) -> None:
    """The ``n`` townships of ``index`` (queries.problem_index, in the view's scope) with
    the highest index, worst first."""
    top = index.dropna(subset=["index"]).head(n)
    if top.empty:
        st.info("暂无数据")
        return
    shown = pd.DataFrame({
        "排名": range(1, len(top) + 1),
        "乡镇（街道）": [tables.township_cell(code, view) for code in top["code"]],
        "所属区": top["district"].tolist(),
        INDEX_LABEL: top["index"].astype(float).round(1).tolist(),
    })
    config = {
        "排名": st.column_config.NumberColumn("排名", format="%d", width="small"),
        "乡镇（街道）": tables.township_column("乡镇（街道）"),
        INDEX_LABEL: st.column_config.ProgressColumn(INDEX_LABEL, format="%.1f", min_value=0,
                                                     max_value=100, help=INDEX_HELP),
    }
    for column, _, metric_key in COMPONENTS:
        metric = METRICS[metric_key]
        header = f"{metric.label}（{metric.unit}）"
        shown[header] = pd.to_numeric(top[column], errors="coerce").tolist()
        config[header] = st.column_config.NumberColumn(
            header, format="%.1f" if column in ("gap_rate", "new_repeat_per_10k") else "%d",
            help=metric.description)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key=key)
    st.caption(f"{INDEX_HELP}点击乡镇名称打开乡镇画像。")



def index_frames(view: View) -> tuple[Metric, pd.DataFrame, pd.DataFrame | None]:
    """What a map of the index draws: the metric (a township's own index, or a larger
    area's worst township's), the areas' frame, and at a township scope its district's
    townships (None when the user may not see the district)."""
    scope = view.filters.scope
    own = problem_index.by_area(data.problem_index(view), scope)
    if scope.children:
        below_district = scope.children[0].level == "township"
        return (INDEX_METRIC if below_district else WORST_INDEX_METRIC), own, None
    district = data.district_of(view)
    if district is None:
        return INDEX_METRIC, own, None
    return INDEX_METRIC, own, problem_index.by_area(data.problem_index(view, district), district)
