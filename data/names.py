"""Vocabulary for the demo generator: fake Chinese names and ledger wording.

Everything here is static data; the randomness lives in ``data.generate`` (a local
``random.Random``), so the same seed always yields the same names.
"""
from __future__ import annotations

import bisect
import random

# Common surnames in Fujian (闽南 first), with rough weights.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("陈", 110), ("林", 100), ("黄", 70), ("张", 45), ("李", 40), ("王", 38), ("吴", 35),
    ("刘", 30), ("蔡", 28), ("杨", 25), ("郑", 28), ("许", 22), ("谢", 18), ("洪", 16),
    ("郭", 16), ("苏", 15), ("曾", 15), ("庄", 13), ("叶", 13), ("周", 12), ("邱", 11),
    ("卢", 10), ("柯", 10), ("方", 9), ("何", 9), ("高", 8), ("江", 8), ("徐", 8),
    ("胡", 7), ("沈", 7), ("余", 7), ("罗", 7), ("施", 7), ("颜", 6), ("赖", 6),
    ("詹", 5), ("彭", 5), ("魏", 5), ("朱", 5), ("孙", 5), ("傅", 4), ("戴", 4),
    ("钟", 4), ("游", 4), ("连", 4), ("卓", 3), ("纪", 3), ("阮", 3), ("潘", 3),
    ("欧阳", 1), ("司马", 1),
)

# Characters used in given names, male-leaning, female-leaning and neutral.
GIVEN_MALE = ("伟", "强", "军", "平", "明", "建", "国", "华", "志", "勇", "文", "辉", "永",
              "海", "东", "福", "荣", "金", "水", "木", "火", "土", "清", "春", "生", "德",
              "忠", "祥", "发", "财", "振", "庆", "成", "坤", "龙", "泉", "山", "宗", "添",
              "进", "聪", "杰", "鹏", "斌", "鸿", "昌", "源", "炳", "锦", "俊", "宏", "毅")
GIVEN_FEMALE = ("丽", "娟", "英", "秀", "玲", "芳", "燕", "萍", "红", "梅", "琴", "霞", "珍",
                "兰", "凤", "美", "惠", "淑", "雪", "月", "素", "桂", "碧", "珠", "莲", "婷",
                "静", "敏", "娜", "洁", "琳", "雅", "蓉", "菊", "爱", "香", "银", "宝", "好")
GIVEN_NEUTRAL = ("一", "小", "亚", "少", "家", "佳", "晓", "新", "阿", "玉", "丹", "文",
                 "安", "婉", "晨", "思", "子", "雨", "嘉", "诗", "景", "瑞", "舒", "秋")

_SURNAME_LIST = [s for s, _ in SURNAMES]
_SURNAME_CUM: list[int] = []
_acc = 0
for _s, _w in SURNAMES:
    _acc += _w
    _SURNAME_CUM.append(_acc)
_SURNAME_TOTAL = _acc


def fake_name(rng: random.Random, surname: str | None = None) -> str:
    """A plausible full name: about a quarter have a one-character given name.

    ``surname`` keeps a family's surname (a household member, a guardian)."""
    r = rng.random
    drawn = _SURNAME_LIST[bisect.bisect_right(_SURNAME_CUM, r() * _SURNAME_TOTAL)]
    surname = surname or drawn
    pool = GIVEN_MALE if r() < 0.5 else GIVEN_FEMALE
    n = len(pool)
    if r() < 0.25:
        return surname + pool[int(r() * n)]
    first = GIVEN_NEUTRAL[int(r() * len(GIVEN_NEUTRAL))] if r() < 0.3 else pool[int(r() * n)]
    return surname + first + pool[int(r() * n)]


def surname_of(name: str) -> str:
    """The surname of a generated name (compound surnames included)."""
    return name[:2] if name[:2] in _COMPOUND else name[:1]


_COMPOUND = frozenset(s for s in _SURNAME_LIST if len(s) == 2)

# Syllables for synthetic place names at province scale (XX镇, XX街道, XX区, XX县).
PLACE_FIRST = ("东", "西", "南", "北", "上", "下", "大", "小", "新", "龙", "凤", "金", "石",
               "桥", "溪", "洋", "坑", "坪", "岭", "山", "田", "洲", "湖", "塘", "埔", "白",
               "青", "黄", "梅", "桃", "松", "竹", "云", "霞", "仙", "长", "永", "安", "福",
               "宁", "平", "和", "清", "丰", "华", "兴", "隆", "盛", "源", "泉")
PLACE_SECOND = ("山", "溪", "洋", "口", "头", "坑", "岭", "坂", "田", "埔", "洲", "湖", "塘",
                "林", "桥", "亭", "阳", "城", "海", "江", "峰", "岩", "厝", "墩", "港", "浦",
                "门", "沙", "园", "坪", "安", "平", "宁", "丰", "美", "庄", "源", "浦", "村")

# Rectification item wording, by category (第一人称为整改台账的问题描述).
RECT_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "favouritism": (
        "村（居）干部近亲属享受低保未按规定备案",
        "个别低保对象家庭经济状况明显高于认定标准，存在“人情保”嫌疑",
        "低保评议中村干部亲属优先纳入，群众反映不公",
    ),
    "fraud": (
        "个别对象隐瞒家庭收入和财产，骗取低保金",
        "死亡人员未及时停发救助金，存在冒领情况",
        "保障对象名下登记有车辆、商品房未如实申报",
    ),
    "embezzlement": (
        "村干部代管代领困难群众“一卡通”",
        "临时救助资金被截留挪用，未足额发放到户",
        "特困供养金未按时足额拨付供养机构",
    ),
    "bribery": (
        "经办人员在低保审核中收受好处，存在吃拿卡要问题",
        "入户调查时向申请人索要材料费用",
    ),
    "dereliction": (
        "对群众救助申请推诿扯皮，未在规定时限内受理",
        "入户调查不及时，未在规定时限内完成审核确认",
        "对返贫致贫风险监测预警信息未及时核实处置",
        "符合条件的困难群众未及时纳入保障范围",
    ),
    "formalism": (
        "低保对象年度复核流于形式，未逐户核对家庭经济状况",
        "入户走访记录不实，照片与日期不符",
        "特困人员探视走访制度落实不到位",
    ),
    "fund_irregular": (
        "社会救助资金未按月足额发放",
        "“一卡通”发放信息与保障对象信息不一致",
        "救助金发放账户户名与保障对象不符",
        "停保后仍继续发放救助金，未及时追回",
    ),
    "procedure": (
        "低保审核确认程序不规范，民主评议记录缺失",
        "未按规定开展家庭经济状况信息核对",
        "临时救助“先行救助”后未及时补齐审批手续",
    ),
    "records": (
        "低保档案资料不完整，未做到“一户一档”",
        "救助对象台账信息更新不及时，与系统数据不一致",
        "单人户纳入材料缺少残疾或重病证明",
    ),
    "publicity": (
        "低保对象名单未按规定在村（居）务公开栏公示",
        "公示信息包含身份证号等个人隐私",
        "社会救助政策宣传不到位，群众知晓率低",
    ),
    "other": (
        "医疗救助、教育救助等专项救助衔接不到位",
        "残疾人两项补贴认定不及时",
        "临时救助备用金制度未建立",
    ),
}
