"""Every setting and every figure is documented where users and operators look."""
from pathlib import Path

import queries  # noqa: F401  (registers the figures)
import settings
from queries.figures import METRICS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    missing = [s.name for s in settings.SETTINGS if f"`{s.name}`" not in README]
    assert missing == []


def test_every_figure_has_a_label_unit_and_description():
    bad = [k for k, m in METRICS.items() if not (m.label and m.unit and m.description)]
    assert bad == []
    assert len({m.label for m in METRICS.values()}) == len(METRICS)


def test_headline_labels_are_exactly_those_of_metrics_md():
    labels = {m.label for m in METRICS.values()}
    for label in ("漏保人数", "漏保率", "新增重复信访事项", "重复信访事项", "未化解重复信访事项",
                  "线索办结率", "整改销号率", "逾期未办结线索", "逾期未整改", "死亡未退保",
                  "一次性化解率", "信访按期办结率", "满意率", "按期销号率", "近亲属享受",
                  "发放笔数", "发放金额", "发放不及时", "按时发放率", "持卡人不一致", "一人多卡",
                  "共用账户户数", "一卡通疑点户数"):
        assert label in labels
