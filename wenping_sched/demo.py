"""The demo city: expert pools, joint-meeting contacts, rooms and matters for 酒泉市.

Everything is generated from one fixed seed, so every installation gets the same people,
and keyed on natural keys (an expert's phone, a matter's title, a room's name, a contact's
name within a department), so loading twice adds nothing. Busy periods are laid over the
coming months from today, and are only added to people this run creates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from . import audit
from .auth.operations import create_user
from .extensions import db
from .models import (
    CITY,
    COUNTIES,
    SEED_SECTORS,
    Contact,
    ContactBusy,
    Department,
    Expert,
    ExpertBusy,
    Matter,
    Pool,
    Room,
    Sector,
    User,
)
from .seeding import ensure_reference_data
from .timeutil import at_local, local_now

SEED = 20261124
DEMO_PASSWORD = "wenping2026"
CITY_POOL_SIZE = 64
COUNTY_POOL_SIZES = dict(zip(COUNTIES, (33, 36, 34, 36, 36, 33, 33), strict=True))
SENIOR_SHARE = 0.4
RARE_SECTORS = ("民族宗教", "舆情", "财务审计")
MORNING = (time(8, 30), time(12, 0))
AFTERNOON = (time(14, 30), time(18, 0))
BUSY_MONTHS = 4

# --- people ---------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common surnames repeated roughly by frequency, so the pools read like a real roster.
SURNAMES = (
    "王王王王李李李李张张张张刘刘刘陈陈陈杨杨杨赵赵黄黄周周吴吴徐孙马马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟"
    "熊秦邱江尹薛闫段雷侯龙史陶贺顾毛郝龚邵万钱严武戴孔汤常温康施文牛樊葛邢安齐乔庞颜倪聂章鲁"
    "岳翟殷申耿关焦俞左柳祝包宁尚舒柯纪梅童毕季裴霍苗谷盛曲骆路辛靳管柴鲍祁蒲滕屈解牟艾党宫席"
)
GIVEN_NAMES = _words(
    "建国 建华 建军 建平 建新 志强 志刚 志勇 志宏 志明 国庆 国强 国华 国栋 海燕 海波 海涛 海军 "
    "丽娟 丽华 丽萍 丽霞 红梅 红霞 红英 秀兰 秀英 玉兰 玉梅 淑芬 淑珍 桂芳 桂兰 晓东 晓明 晓燕 "
    "晓红 晓峰 晓丽 文华 文静 文斌 文杰 永刚 永强 永红 永军 振华 振宇 振东 春燕 春梅 春生 学军 "
    "学文 学明 德明 德华 德胜 立新 立军 立国 宏伟 宏斌 宏亮 明辉 明亮 明远 俊杰 俊峰 伟 强 军 "
    "敏 静 磊 洋 勇 艳 娟 涛 斌 超 鹏 婷 瑞 杰 琳 颖 倩 蕾 萍 燕 雪 峰 刚 平 辉 鑫 亮 健 凯 浩 "
    "宇航 思远 嘉怡 雨婷 子涵 欣怡 一鸣 天佑 家豪 佳琪 梦瑶 婉清 若曦 雅琴 慧敏 秀梅 凤英 兰英 "
    "金花 玉霞 彩霞 翠萍 宝林 福生 长青 长林 新民 新华 卫东 卫国 向东 向阳 红军 爱国 爱华 继红 "
    "继武 连生 世杰 世英 守仁 守义 正阳 正华 泽民 润生 广文 广平 兴邦 兴旺 安民 安平 自强 自立"
)
# Names as the Mongolian and Kazakh communities of 肃北 and 阿克塞 write them in Chinese.
MONGOLIAN_NAMES = (
    "巴特尔",
    "其木格",
    "格日勒图",
    "那仁满都拉",
    "额尔敦巴雅尔",
    "斯琴高娃",
    "乌兰图雅",
    "宝音德力格尔",
)
KAZAKH_NAMES = (
    "努尔兰·哈力木",
    "阿依古丽·木拉提",
    "叶尔兰·加帕尔",
    "古丽娜尔·沙吾提",
    "别克·吐尔逊",
    "哈丽娅·努尔江",
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "173 177 180 181 182 183 185 186 187 188 189 191 193 199"
)


@dataclass(frozen=True)
class Profile:
    """A kind of expert: where they work, their titles (senior or not) and their sectors."""

    employers: tuple[str, ...]
    senior_titles: tuple[str, ...]
    titles: tuple[str, ...]
    sectors: tuple[str, ...]  # one is always drawn from here
    extra: tuple[str, ...] = ()  # up to two more from here
    weight: int = 1
    busy_reasons: tuple[str, ...] = ("单位会议", "外出调研")


def _p(
    employers: str,
    senior: str,
    titles: str,
    sectors: str,
    extra: str = "",
    weight: int = 1,
    busy: str = "单位会议 外出调研",
) -> Profile:
    return Profile(
        tuple(employers.split()),
        tuple(senior.split()),
        tuple(titles.split()),
        tuple(sectors.split()),
        tuple(extra.split()),
        weight,
        tuple(busy.split()),
    )


COMMON_EXTRA = "法律 社会稳定 信访"
RETIRED_BUSY = "外出 探亲"
OFFICE_TITLES = ("高级经济师 高级政工师", "经济师 政工师")

# fmt: off
# employers | senior titles | other titles | sectors (one) | extra sectors (up to two) | weight | busy reasons
CITY_PROFILES: tuple[Profile, ...] = (
    _p("甘肃丝路律师事务所 甘肃泉城律师事务所 甘肃祁连律师事务所 甘肃敦和律师事务所 "
       "甘肃正衡律师事务所酒泉分所", "一级律师 二级律师", "律师 三级律师", "法律",
       "信访 社会稳定 土地征收 社会保障", 9, "出庭 会见当事人"),
    _p("甘肃政法大学 兰州大学", "教授 副教授", "讲师", "法律 社会稳定", "信访 社会保障", 4, "授课 学术会议"),
    _p("兰州大学 西北师范大学 河西学院 酒泉职业技术学院 中共酒泉市委党校", "教授 副教授", "讲师",
       "社会稳定 经济 教育 社会保障", COMMON_EXTRA, 7, "授课 学术会议 监考"),
    _p("兰州理工大学 兰州交通大学", "教授 副教授", "讲师", "交通 城乡规划 安全生产", "土地征收 环境保护", 3,
       "授课 学术会议"),
    _p("甘肃农业大学 酒泉市农业科学研究院", "研究员 副研究员", "助理研究员", "农业农村 水利",
       "土地征收 环境保护 经济", 4, "田间试验 外出调研"),
    _p("酒泉市规划设计院 酒泉市建筑设计院", "正高级工程师 高级工程师", "工程师", "城乡规划",
       "土地征收 交通", 2, "现场踏勘 项目评审"),
    _p("甘肃省交通规划勘察设计院", "正高级工程师 高级工程师", "工程师", "交通", "土地征收 安全生产", 2,
       "现场踏勘 项目评审"),
    _p("酒泉市水利水电勘测设计院 中国电建集团西北勘测设计研究院", "正高级工程师 高级工程师", "工程师",
       "水利 能源", "环境保护 安全生产", 2, "现场踏勘 项目评审"),
    _p("酒泉市人民医院 酒泉市第二人民医院 酒泉市中医医院", "主任医师 副主任医师", "主治医师", "卫生健康",
       "社会保障 社会稳定", 5, "门诊 手术 院内会诊"),
    _p("酒泉中学 酒泉市实验中学", "正高级教师 高级教师", "一级教师", "教育", "社会稳定", 2, "授课 监考"),
    _p("中国石油玉门油田分公司 国网酒泉供电公司 甘肃电投集团酒泉分公司", "高级工程师", "工程师",
       "能源 安全生产", "环境保护 经济", 3, "生产调度会 现场检查"),
    _p("酒泉市城市建设投资集团", "高级经济师 高级工程师", "经济师 工程师", "经济 城乡规划", "土地征收", 1,
       "单位会议 现场检查"),
    _p("酒泉市住房和城乡建设局 酒泉市自然资源局", "高级工程师", "工程师", "城乡规划 土地征收", "法律 信访",
       2, "单位会议 现场踏勘"),
    _p("酒泉市交通运输局", "高级工程师", "工程师", "交通", "安全生产", 1, "单位会议 现场踏勘"),
    _p("酒泉市信访局（退休） 酒泉市中级人民法院（退休） 酒泉市司法局（退休）", *OFFICE_TITLES,
       "信访 法律 社会稳定", "社会保障 土地征收", 6, RETIRED_BUSY),
    _p("酒泉市自然资源局（退休）", "高级工程师", "工程师", "土地征收 城乡规划", COMMON_EXTRA, 2,
       RETIRED_BUSY),
    _p("酒泉市农业农村局（退休）", "高级农艺师", "农艺师", "农业农村", COMMON_EXTRA, 1, RETIRED_BUSY),
    _p("酒泉市人力资源和社会保障局（退休）", *OFFICE_TITLES, "社会保障", COMMON_EXTRA, 1, RETIRED_BUSY),
    _p("酒泉市应急管理局（退休）", "高级工程师", "工程师", "安全生产", COMMON_EXTRA, 1, RETIRED_BUSY),
    _p("酒泉市生态环境局（退休） 酒泉市生态环境监测站 甘肃省环境科学设计研究院", "高级工程师", "工程师",
       "环境保护", "安全生产 水利", 2, "现场监测 项目评审"),
)
# The scarce sectors come only from these, by quota, never from a random draw.
CITY_RARE_PROFILES: dict[str, tuple[Profile, ...]] = {
    "民族宗教": (
        _p("中共酒泉市委党校 兰州大学 西北民族大学", "教授 副教授", "讲师", "民族宗教", "社会稳定",
           busy="授课 外出调研"),
        _p("酒泉市民族宗教事务局（退休）", "高级政工师", "政工师", "民族宗教", "信访", busy=RETIRED_BUSY),
    ),
    "舆情": (
        _p("酒泉日报社 酒泉广播电视台", "高级记者 主任记者", "记者 编辑", "舆情", "社会稳定",
           busy="采访 值班"),
        _p("酒泉市委网信办（退休）", "高级政工师", "政工师", "舆情", "社会稳定", busy=RETIRED_BUSY),
    ),
    "财务审计": (
        _p("甘肃天平会计师事务所 甘肃中衡会计师事务所酒泉分所", "正高级会计师 高级会计师",
           "会计师 注册会计师", "财务审计", "经济 社会保障", busy="审计现场 单位会议"),
        _p("酒泉市审计局（退休）", "高级审计师", "审计师", "财务审计", "经济", busy=RETIRED_BUSY),
    ),
}
# fmt: on
CITY_RARE_QUOTA = {"民族宗教": 4, "舆情": 3, "财务审计": 4}

# Local employers of each county, beyond the county's own bureaux (see _county_profiles).
# "works" are the county's notable enterprises and institutions, with their sectors and titles.
ENGINEERS = "高级工程师 高级经济师|工程师 经济师"
COUNTY_LOCAL = {
    "肃州区": dict(
        law="甘肃肃州律师事务所 甘肃泉城律师事务所",
        hospital="肃州区人民医院 肃州区中医医院",
        school="酒泉市肃州中学 肃州区第一中学",
        works="肃州区城市建设投资公司 酒泉市肃州区供热公司",
        works_sectors="经济 城乡规划 安全生产",
        works_titles=ENGINEERS,
        towns="泉湖乡 银达镇 总寨镇",
    ),
    "玉门市": dict(
        law="甘肃玉门华泰律师事务所",
        hospital="玉门市人民医院 玉门油田医院",
        school="玉门市第一中学",
        works="中国石油玉门油田分公司 中国石油玉门油田分公司 玉门市东镇化工园区管委会",
        works_sectors="能源 安全生产 环境保护 经济",
        works_titles=ENGINEERS,
        towns="花海镇 赤金镇 下西号镇",
    ),
    "敦煌市": dict(
        law="甘肃敦煌鸣沙律师事务所 甘肃敦和律师事务所敦煌分所",
        hospital="敦煌市医院 敦煌市中医医院",
        school="敦煌市第一中学 敦煌中学",
        works="敦煌文化旅游集团 敦煌市城市建设投资公司",
        works_sectors="经济 城乡规划",
        works_titles=ENGINEERS,
        towns="沙州镇 七里镇 莫高镇",
    ),
    "金塔县": dict(
        law="甘肃金塔胡杨律师事务所",
        hospital="金塔县人民医院",
        school="金塔县中学",
        works="金塔县鼎新灌区管理处 金塔县国有林场",
        works_sectors="水利 农业农村 环境保护",
        works_titles="高级工程师|工程师 助理工程师",
        towns="鼎新镇 金塔镇 东坝镇",
    ),
    "瓜州县": dict(
        law="甘肃瓜州锁阳城律师事务所",
        hospital="瓜州县人民医院",
        school="瓜州县第一中学",
        works="瓜州县自来水公司 国家电投瓜州风电公司 瓜州县疏勒河灌区管理处",
        works_sectors="能源 水利 安全生产 经济",
        works_titles=ENGINEERS,
        towns="渊泉镇 柳园镇 锁阳城镇",
    ),
    "肃北县": dict(
        law="甘肃雪山律师事务所",
        hospital="肃北县人民医院 肃北县蒙医医院",
        school="肃北县中学",
        works="肃北县畜牧兽医站 肃北县草原工作站",
        works_sectors="农业农村 环境保护",
        works_titles="高级畜牧师 高级兽医师|畜牧师 兽医师",
        towns="党城湾镇 马鬃山镇 石包城乡",
    ),
    "阿克塞县": dict(
        law="甘肃当金山律师事务所",
        hospital="阿克塞县人民医院 阿克塞县哈萨克医医院",
        school="阿克塞县中学",
        works="阿克塞县草原工作站 华电甘肃能源有限公司",
        works_sectors="能源 环境保护 农业农村",
        works_titles="高级工程师 高级畜牧师|工程师 畜牧师",
        towns="红柳湾镇 阿勒腾乡 阿克旗乡",
    ),
}


def _county_profiles(c: str) -> tuple[Profile, ...]:
    local = COUNTY_LOCAL[c]
    towns = " ".join(f"{c}{town}人民政府（退休）" for town in local["towns"].split())
    works_senior, works_other = local["works_titles"].split("|")
    # fmt: off
    return (
        _p(f"{local['law']} {c}法律援助中心", "一级律师 二级律师", "律师 三级律师", "法律",
           "信访 社会稳定 土地征收", 7, "出庭 会见当事人"),
        _p(f"{c}信访局（退休） {c}人民法院（退休） {c}司法局（退休）", *OFFICE_TITLES, "信访 社会稳定 法律",
           "社会保障 土地征收", 6, RETIRED_BUSY),
        _p(local["hospital"], "主任医师 副主任医师", "主治医师", "卫生健康", "社会保障", 3, "门诊 值班"),
        _p(local["school"], "正高级教师 高级教师", "一级教师", "教育", "社会稳定", 2, "授课 监考"),
        _p(local["works"], works_senior, works_other, local["works_sectors"], "社会稳定", 4,
           "现场检查 单位会议"),
        _p(f"{c}自然资源局", "高级工程师", "工程师 助理工程师", "土地征收 城乡规划", "法律 信访", 2,
           "现场踏勘 单位会议"),
        _p(f"{c}住房和城乡建设局", "高级工程师", "工程师", "城乡规划", "土地征收", 1, "现场踏勘 单位会议"),
        _p(f"{c}交通运输局", "高级工程师", "工程师", "交通", "安全生产", 1, "现场踏勘 单位会议"),
        _p(f"{c}水务局", "高级工程师", "工程师", "水利", "农业农村", 1, "现场踏勘 单位会议"),
        _p(f"{c}农业农村局 {c}农业技术推广中心", "高级农艺师", "农艺师", "农业农村", "土地征收 信访", 3,
           "下乡 单位会议"),
        _p(f"{c}人力资源和社会保障局（退休）", *OFFICE_TITLES, "社会保障", "信访", 1, RETIRED_BUSY),
        _p(f"{c}应急管理局（退休）", "高级工程师", "工程师", "安全生产", "社会稳定", 1, RETIRED_BUSY),
        _p(f"酒泉市生态环境局{c}分局", "高级工程师", "工程师", "环境保护", "安全生产", 1, "现场监测"),
        _p(towns, "高级政工师", "政工师", "社会稳定 信访 农业农村", "土地征收", 3, "下乡 探亲"),
    )
    # fmt: on


def _county_rare_profiles(c: str) -> dict[str, tuple[Profile, ...]]:
    # fmt: off
    return {
        "民族宗教": (
            _p(f"{c}民宗局", "高级政工师", "政工师", "民族宗教", "社会稳定 信访", busy="下乡 单位会议"),
            _p(f"中共{c}委党校", "副教授", "讲师", "民族宗教", "社会稳定", busy="授课"),
        ),
        "舆情": (_p(f"{c}融媒体中心", "主任记者", "记者 编辑", "舆情", "社会稳定", busy="采访 值班"),),
        "财务审计": (
            _p(f"{c}审计局（退休）", "高级审计师", "审计师", "财务审计", "经济", busy=RETIRED_BUSY),
            _p(f"酒泉正信会计师事务所{c}分所", "高级会计师", "会计师 注册会计师", "财务审计", "经济",
               busy="审计现场"),
        ),
    }
    # fmt: on


# Organisations an expert may have a stake in that no demo matter names: noise in the interests.
OTHER_INTERESTS = (
    "甘肃电投集团",
    "国网酒泉供电公司",
    "酒泉钢铁（集团）有限责任公司",
    "甘肃省公路交通建设集团",
    "酒泉市城市建设投资集团",
    "中国石油玉门油田分公司",
    "甘肃祁连山水泥集团",
    "酒泉市公共交通有限责任公司",
)


@dataclass
class DemoExpert:
    name: str
    pool: str
    employer: str
    title: str
    senior: bool
    sectors: list[str]
    phone: str
    email: str
    interests: list[str] = field(default_factory=list)
    prior_load: int = 0
    term_months_ago: int = 0
    busy_reasons: tuple[str, ...] = ()


class _Names:
    """Realistic, distinct names from one generator (no two people share a name)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self, county: str | None = None) -> str:
        rng = self.rng
        # A few names in the two autonomous counties are Mongolian or Kazakh.
        if county == "肃北县" and rng.random() < 0.2:
            options = [n for n in MONGOLIAN_NAMES if n not in self.used]
            if options:
                return self._use(rng.choice(options))
        if county == "阿克塞县" and rng.random() < 0.2:
            options = [n for n in KAZAKH_NAMES if n not in self.used]
            if options:
                return self._use(rng.choice(options))
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            if name not in self.used:
                return self._use(name)

    def _use(self, name: str) -> str:
        self.used.add(name)
        return name


class _Phones:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def take(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used:
                self.used.add(phone)
                return phone


def _weighted(rng: random.Random, profiles: tuple[Profile, ...]) -> Profile:
    return rng.choices(profiles, weights=[p.weight for p in profiles])[0]


def _make_expert(
    rng: random.Random, names: _Names, phones: _Phones, pool: str, profile: Profile, senior: bool, n: int
) -> DemoExpert:
    sectors = [rng.choice(profile.sectors)]
    extra = [s for s in (*profile.sectors, *profile.extra) if s not in sectors and s not in RARE_SECTORS]
    for _ in range(rng.choice((0, 1, 1, 2))):
        if extra:
            pick = rng.choice(extra)
            extra.remove(pick)
            sectors.append(pick)
    title = rng.choice(profile.senior_titles if senior else profile.titles)
    return DemoExpert(
        name=names.take(None if pool == CITY else pool),
        pool=pool,
        employer=rng.choice(profile.employers),
        title=title,
        senior=senior,
        sectors=sorted(sectors, key=SEED_SECTORS.index),
        phone=phones.take(),
        email=f"expert{n:03d}@example.cn",
        prior_load=rng.choices((0, 1, 2, 3), weights=(4, 3, 2, 1))[0],
        term_months_ago=rng.randrange(1, 31),
        busy_reasons=profile.busy_reasons,
    )


def build_roster(rng: random.Random | None = None) -> list[DemoExpert]:
    """Every demo expert, city pool first; the same list on every call."""
    rng = rng or random.Random(SEED)
    names, phones = _Names(rng), _Phones(rng)
    roster: list[DemoExpert] = []
    plan: list[tuple[str, int, tuple[Profile, ...], dict[str, tuple[Profile, ...]], dict[str, int]]] = [
        (CITY, CITY_POOL_SIZE, CITY_PROFILES, CITY_RARE_PROFILES, CITY_RARE_QUOTA)
    ]
    for county, size in COUNTY_POOL_SIZES.items():
        # The autonomous counties keep two ethnic-affairs experts; elsewhere the scarce sectors vary.
        quota = {sector: rng.randint(0, 2) for sector in RARE_SECTORS}
        if county in ("肃北县", "阿克塞县"):
            quota["民族宗教"] = 2
        plan.append((county, size, _county_profiles(county), _county_rare_profiles(county), quota))

    for pool, size, profiles, rare_profiles, quota in plan:
        rare = [rng.choice(rare_profiles[s]) for s in RARE_SECTORS for _ in range(quota[s])]
        chosen = rare + [_weighted(rng, profiles) for _ in range(size - len(rare))]
        rng.shuffle(chosen)
        senior_slots = set(rng.sample(range(size), round(size * SENIOR_SHARE)))
        members = [
            _make_expert(rng, names, phones, pool, profile, i in senior_slots, len(roster) + i + 1)
            for i, profile in enumerate(chosen)
        ]
        if pool == CITY:
            _cover_every_sector(rng, members)
        roster.extend(members)
    return roster


def _cover_every_sector(rng: random.Random, members: list[DemoExpert]) -> None:
    """Make sure every sector has at least two experts in the city pool."""
    for sector in SEED_SECTORS:
        count = sum(sector in m.sectors for m in members)
        candidates = [m for m in members if sector not in m.sectors and len(m.sectors) < 3]
        rng.shuffle(candidates)
        for member in candidates[: max(0, 2 - count)]:
            member.sectors = sorted([*member.sectors, sector], key=SEED_SECTORS.index)


# --- matters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoMatter:
    title: str
    category: str
    county: str | None
    responsible: str
    related: tuple[str, ...]
    stage: int
    risk: str | None
    description: str


def _m(
    title: str,
    category: str,
    county: str | None,
    responsible: str,
    related: str,
    stage: int,
    risk: str | None,
    description: str,
) -> DemoMatter:
    return DemoMatter(title, category, county, responsible, tuple(related.split()), stage, risk, description)


# The six the 2015 report names first, then a year's typical caseload across the categories.
SEED_MATTERS = (
    _m(
        "肃州区泉湖乡肃北路建设征地搬迁项目",
        "城市建设",
        "肃州区",
        "肃州区自然资源局",
        "肃州区泉湖乡人民政府 肃州区住房和城乡建设局",
        7,
        "中",
        "肃北路拓宽改造涉及泉湖乡两个村的集体土地征收和四十余户房屋搬迁，补偿安置标准是群众关注的焦点。",
    ),
    _m(
        "敦煌机场扩建",
        "城市建设",
        "敦煌市",
        "敦煌市交通运输局",
        "甘肃省民航机场集团 敦煌市自然资源局",
        6,
        "中",
        "新建航站楼并延长跑道，需征收七里镇部分耕地，涉及农户补偿和施工期噪声影响。",
    ),
    _m(
        "肃北县第五届那达慕民族文化风情旅游节",
        "民族宗教",
        "肃北县",
        "肃北县文体广电和旅游局",
        "肃北县民宗局 肃北县公安局",
        5,
        "低",
        "以蒙古族传统赛马、摔跤、射箭为主的节庆活动，预计游客过万，涉及民族习俗尊重和大型活动安全。",
    ),
    _m(
        "甘肃省肃北县孔雀梁公安检查站营房建设项目",
        "其他",
        "肃北县",
        "肃北县公安局",
        "肃北县自然资源局 肃北县住房和城乡建设局",
        4,
        "低",
        "检查站营房新建工程，用地涉及草原使用权调整，需与周边牧户协商。",
    ),
    _m(
        "敦煌至格尔木铁路阿克塞段建设项目",
        "城市建设",
        "阿克塞县",
        "阿克塞县交通运输局",
        "中国铁路兰州局集团有限公司 阿克塞县自然资源局 阿克塞县民宗局",
        3,
        None,
        "铁路线路穿越阿克塞县牧区，涉及草场征用、牧民转场通道和哈萨克族牧户的补偿安置。",
    ),
    _m(
        "华电阿克塞当金山一期49.5兆瓦高原风电场建设项目",
        "环境保护",
        "阿克塞县",
        "阿克塞县发展和改革局",
        "华电甘肃能源有限公司 酒泉市生态环境局阿克塞县分局",
        2,
        None,
        "当金山口高原风电场一期工程，关注草原生态保护、野生动物迁徙通道和施工占用草场补偿。",
    ),
)
MORE_MATTERS = (
    _m(
        "酒泉市公共交通有限责任公司改制",
        "国有企业改制",
        None,
        "酒泉市国有资产监督管理委员会",
        "酒泉市公共交通有限责任公司 酒泉市人力资源和社会保障局",
        3,
        None,
        "市公交公司引入社会资本实行混合所有制改革，涉及三百余名职工身份转换和社保接续。",
    ),
    _m(
        "玉门油田老市区“三供一业”分离移交",
        "国有企业改制",
        "玉门市",
        "玉门市住房和城乡建设局",
        "中国石油玉门油田分公司 玉门市人力资源和社会保障局",
        6,
        "中",
        "油田老市区供水、供电、供暖和物业管理移交地方，涉及居民收费标准调整和职工分流。",
    ),
    _m(
        "瓜州县自来水公司股份制改造",
        "国有企业改制",
        "瓜州县",
        "瓜州县财政局",
        "瓜州县自来水公司",
        1,
        None,
        "县属自来水公司股份制改造方案，职工安置和水价走势是主要风险点。",
    ),
    _m(
        "酒泉市中心城区老旧小区改造（2027年度）",
        "城市建设",
        None,
        "酒泉市住房和城乡建设局",
        "酒泉市城市建设投资集团 肃州区住房和城乡建设局",
        2,
        None,
        "改造中心城区二十八个老旧小区，涉及加装电梯分摊、停车位调整和施工扰民。",
    ),
    _m(
        "肃州区西大街棚户区改造房屋征收",
        "城市建设",
        "肃州区",
        "肃州区住房和城乡建设局",
        "肃州区自然资源局 肃州区城市建设投资公司",
        4,
        "高",
        "征收西大街片区房屋约三百六十户，含部分临街商铺，补偿方式和过渡安置争议较大。",
    ),
    _m(
        "敦煌市沙州镇城中村改造",
        "城市建设",
        "敦煌市",
        "敦煌市住房和城乡建设局",
        "敦煌市沙州镇人民政府 敦煌文化旅游集团",
        3,
        None,
        "沙州镇三个城中村整体改造，涉及宅基地置换和民宿经营户的经营损失补偿。",
    ),
    _m(
        "瓜州县城区集中供热管网改造",
        "城市建设",
        "瓜州县",
        "瓜州县住房和城乡建设局",
        "瓜州县自然资源局",
        5,
        "低",
        "更换老旧供热管网并调整供热计费方式，施工期间涉及道路开挖和部分小区停暖。",
    ),
    _m(
        "金塔县鼎新灌区高标准农田建设",
        "三农",
        "金塔县",
        "金塔县农业农村局",
        "金塔县水务局 金塔县鼎新灌区管理处",
        2,
        None,
        "建设高标准农田五万亩，涉及土地平整后地块重新分配和灌溉用水配额调整。",
    ),
    _m(
        "瓜州县农村土地承包经营权流转试点",
        "三农",
        "瓜州县",
        "瓜州县农业农村局",
        "瓜州县渊泉镇人民政府",
        5,
        "中",
        "在渊泉镇开展整村流转试点，流转价格、期限和外出务工农户权益保障是关注点。",
    ),
    _m(
        "玉门市花海镇戈壁农业产业园建设用地",
        "三农",
        "玉门市",
        "玉门市自然资源局",
        "玉门市花海镇人民政府 玉门市农业农村局",
        4,
        "中",
        "产业园占用部分集体未利用地和少量耕地，涉及村集体收益分配。",
    ),
    _m(
        "酒泉市农村集体产权制度改革",
        "三农",
        None,
        "酒泉市农业农村局",
        "酒泉市财政局",
        7,
        "低",
        "全面开展农村集体资产清产核资、成员身份确认和股份合作制改革。",
    ),
    _m(
        "肃北县马鬃山镇牧民定居工程",
        "三农",
        "肃北县",
        "肃北县农业农村局",
        "肃北县马鬃山镇人民政府 肃北县住房和城乡建设局",
        3,
        None,
        "为边境牧民集中建设定居点，涉及草场承包权保留、搬迁意愿和蒙古族生活习惯。",
    ),
    _m(
        "酒泉市城乡居民基本医疗保险市级统筹",
        "社会保障",
        None,
        "酒泉市医疗保障局",
        "酒泉市卫生健康委员会 酒泉市财政局",
        4,
        "中",
        "将城乡居民医保由县级统筹提升为市级统筹，统一缴费标准和报销比例。",
    ),
    _m(
        "酒泉市企业退休人员基本养老金调整方案",
        "社会保障",
        None,
        "酒泉市人力资源和社会保障局",
        "酒泉市财政局",
        6,
        "低",
        "按省统一部署调整企业退休人员养老金，涉及倾斜调整对象的认定。",
    ),
    _m(
        "敦煌市公共租赁住房分配办法修订",
        "社会保障",
        "敦煌市",
        "敦煌市住房和城乡建设局",
        "敦煌市民政局",
        1,
        None,
        "修订公租房准入条件和轮候规则，将新就业人员和外来务工人员纳入保障范围。",
    ),
    _m(
        "酒泉市事业单位分类改革",
        "机构改革",
        None,
        "中共酒泉市委机构编制委员会办公室",
        "酒泉市人力资源和社会保障局 酒泉市财政局",
        5,
        "中",
        "对市直事业单位按行政类、公益类、经营类进行分类，涉及人员转岗和编制调整。",
    ),
    _m(
        "玉门市乡镇行政区划调整",
        "机构改革",
        "玉门市",
        "玉门市民政局",
        "玉门市下西号镇人民政府",
        2,
        None,
        "撤并两个人口较少的乡镇，涉及机构合并、干部安置和群众办事距离。",
    ),
    _m(
        "金塔县国有林场改革",
        "机构改革",
        "金塔县",
        "金塔县林业和草原局",
        "金塔县国有林场",
        6,
        "低",
        "国有林场定性为公益一类事业单位，涉及林场职工身份和社会保险补缴。",
    ),
    _m(
        "玉门市东镇化工园区污水处理厂建设",
        "环境保护",
        "玉门市",
        "酒泉市生态环境局玉门市分局",
        "玉门市东镇化工园区管委会 中国石油玉门油田分公司",
        4,
        "高",
        "园区集中式污水处理厂选址靠近村庄，周边群众担心异味和地下水污染。",
    ),
    _m(
        "酒泉市生活垃圾焚烧发电项目",
        "环境保护",
        None,
        "酒泉市城市管理局",
        "酒泉市生态环境局 酒泉市城市建设投资集团",
        3,
        None,
        "日处理生活垃圾六百吨的焚烧发电厂，选址和邻避效应是最大风险。",
    ),
    _m(
        "阿克塞县草原禁牧和草畜平衡政策调整",
        "环境保护",
        "阿克塞县",
        "阿克塞县林业和草原局",
        "阿克塞县草原工作站 阿克塞县民宗局",
        5,
        "中",
        "扩大禁牧区范围并调整补助标准，直接影响哈萨克族牧户收入。",
    ),
    _m(
        "阿克塞县哈萨克族民俗文化旅游节",
        "民族宗教",
        "阿克塞县",
        "阿克塞县文体广电和旅游局",
        "阿克塞县民宗局 阿克塞县公安局",
        7,
        "低",
        "阿肯弹唱、叼羊、姑娘追等民俗活动，涉及民族习俗和活动安保。",
    ),
    _m(
        "肃州区宗教活动场所消防安全改造",
        "民族宗教",
        "肃州区",
        "肃州区民宗局",
        "肃州区消防救援大队",
        2,
        None,
        "对辖区宗教活动场所进行消防设施改造，需与场所管理组织和信教群众充分沟通。",
    ),
    _m(
        "酒泉市中心城区出租汽车运价调整",
        "其他",
        None,
        "酒泉市发展和改革委员会",
        "酒泉市交通运输局",
        5,
        "中",
        "调整出租汽车起步价和里程价，涉及驾驶员收入、乘客负担和网约车竞争。",
    ),
    _m(
        "酒泉市中心城区义务教育学区划分调整",
        "其他",
        None,
        "酒泉市教育局",
        "肃州区教育局 酒泉中学",
        1,
        None,
        "新建学校投用后重新划分学区，涉及学区房预期和部分学生转学。",
    ),
    _m(
        "酒泉市人民医院新院区建设",
        "城市建设",
        None,
        "酒泉市卫生健康委员会",
        "酒泉市人民医院 酒泉市自然资源局",
        6,
        "低",
        "新院区选址城东，涉及土地划拨、老院区功能调整和周边交通组织。",
    ),
    _m(
        "敦煌国际文化博览会期间交通管制方案",
        "其他",
        "敦煌市",
        "敦煌市公安局",
        "敦煌市交通运输局 敦煌文化旅游集团",
        3,
        None,
        "博览会期间对主城区实行交通管制，影响出租车、旅游客运和沿线商户经营。",
    ),
)
DEMO_MATTERS = SEED_MATTERS + MORE_MATTERS


def _add_stakes(rng: random.Random, roster: list[DemoExpert]) -> None:
    """Give about 15% of experts declared interests, many in organisations the matters name.

    Every matter gets one expert in its own pool with a stake in it, so the draw records
    always show someone avoided.
    """
    by_pool: dict[str, list[DemoExpert]] = {}
    for expert in roster:
        by_pool.setdefault(expert.pool, []).append(expert)
    for matter in DEMO_MATTERS:
        pool = by_pool[matter.county or CITY]
        candidates = [e for e in pool if not e.interests]
        expert = rng.choice(candidates)
        organisation = rng.choice((matter.responsible, *matter.related))
        expert.interests.append(organisation)
    target = round(len(roster) * 0.15)
    free = [e for e in roster if not e.interests]
    for expert in rng.sample(free, max(0, target - (len(roster) - len(free)))):
        expert.interests.append(rng.choice(OTHER_INTERESTS))


# --- departments and rooms ------------------------------------------------------------------

LEADER_POSITION = {
    "纪委": "副书记",
    "监察委": "副主任",
    "组织部": "副部长",
    "宣传部": "副部长",
    "发改委": "副主任",
    "卫健委": "副主任",
}
DEPARTMENT_SLUGS = {
    "纪委": "jiwei",
    "监察委": "jianchawei",
    "组织部": "zuzhibu",
    "宣传部": "xuanchuanbu",
    "信访局": "xinfang",
    "发改委": "fagaiwei",
    "住建局": "zhujian",
    "人社局": "renshe",
    "教育局": "jiaoyu",
    "卫健委": "weijian",
    "生态环境局": "shengtai",
    "自然资源局": "ziranziyuan",
    "交通运输局": "jiaotong",
    "公安局": "gongan",
}
ROOMS = (
    ("市委第三会议室", 30, "市委办公楼三楼东侧"),
    ("市政府小会议室", 12, "市政府办公楼二楼"),
    ("市维稳办会商室", 16, "市委政法委办公楼四楼"),
)
CONTACT_BUSY_REASONS = ("市委常委会", "赴省参会", "下乡调研", "专题培训")


# --- loading --------------------------------------------------------------------------------


def load_demo_data() -> dict[str, Any]:
    """Load the demo city (idempotent) and commit; returns counts and the demo logins."""
    ensure_reference_data()
    rng = random.Random(SEED)
    roster = build_roster(rng)
    _add_stakes(rng, roster)
    today = local_now().date()

    experts_created, busy_created = _load_experts(roster, today)
    contacts_created = _load_contacts(today)
    rooms_created = _load_rooms()
    matters_created = _load_matters()
    _load_office_phones()
    db.session.flush()
    logins, users_created = _load_users(roster)
    created = experts_created + contacts_created + rooms_created + matters_created + users_created
    if created:
        audit.record(
            "demo.load",
            None,
            target="demo",
            experts=experts_created,
            contacts=contacts_created,
            rooms=rooms_created,
            matters=matters_created,
            users=users_created,
        )
    db.session.commit()

    def count(model: Any) -> int:
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)

    return {
        "pools": count(Pool),
        "sectors": count(Sector),
        "experts": count(Expert),
        "experts_created": experts_created,
        "expert_busy_created": busy_created,
        "departments": count(Department),
        "contacts": count(Contact),
        "contacts_created": contacts_created,
        "rooms": count(Room),
        "rooms_created": rooms_created,
        "matters": count(Matter),
        "matters_created": matters_created,
        "users_created": users_created,
        "logins": logins,
    }


def _load_experts(roster: list[DemoExpert], today: date) -> tuple[int, int]:
    pools = {p.code: p for p in db.session.scalars(select(Pool))}
    sectors = {s.name: s for s in db.session.scalars(select(Sector))}
    known = set(db.session.scalars(select(Expert.phone).where(Expert.phone.in_([e.phone for e in roster]))))
    experts_created = busy_created = 0
    for demo in roster:
        if demo.phone in known:
            continue
        term_start = _months_before(today, demo.term_months_ago)
        expert = Expert(
            name=demo.name,
            pool=pools[demo.pool],
            employer=demo.employer,
            title=demo.title,
            senior=demo.senior,
            phone=demo.phone,
            email=demo.email,
            interests=list(demo.interests),
            sectors=[sectors[s] for s in demo.sectors],
            term_start=term_start,
            term_end=term_start.replace(year=term_start.year + 3) - timedelta(days=1),
            prior_load=demo.prior_load,
            active=True,
        )
        # Each expert's calendar has its own generator, so it does not depend on who exists.
        busy_rng = random.Random(f"{SEED}-{demo.phone}")
        for start, end in _busy_half_days(busy_rng, today, BUSY_MONTHS, 2, 6):
            reason = busy_rng.choice(demo.busy_reasons or ("单位会议",))
            expert.busy.append(ExpertBusy(start=start, end=end, reason=reason))
            busy_created += 1
        db.session.add(expert)
        experts_created += 1
    return experts_created, busy_created


def _months_before(today: date, months: int) -> date:
    """The first of the month ``months`` before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _busy_half_days(
    rng: random.Random, today: date, months: int, low: int, high: int
) -> list[tuple[datetime, datetime]]:
    """``low``..``high`` weekday half-days (08:30-12:00 or 14:30-18:00) in each coming 30 days."""
    blocks: list[tuple[datetime, datetime]] = []
    for month in range(months):
        days = [today + timedelta(days=d) for d in range(1 + 30 * month, 1 + 30 * (month + 1))]
        slots = [(day, half) for day in days if day.weekday() < 5 for half in (MORNING, AFTERNOON)]
        for day, (begin, end) in sorted(rng.sample(slots, rng.randint(low, high))):
            blocks.append((at_local(day, begin), at_local(day, end)))
    return blocks


def _load_contacts(today: date) -> int:
    rng = random.Random(SEED + 1)
    names = _Names(rng)
    # Keep contact names apart from the experts' names.
    names.used.update(e.name for e in build_roster())
    phones = _Phones(rng)
    created = 0
    departments = db.session.scalars(select(Department).order_by(Department.sort_order, Department.id))
    for department in departments:
        slug = DEPARTMENT_SLUGS.get(department.code, f"dept{department.id}")
        existing = {c.name for c in department.contacts}
        leader = LEADER_POSITION.get(department.code, "副局长")
        new_contacts: list[Contact] = []
        for n, position in enumerate((leader, rng.choice(("办公室主任", "综合科科长", "办公室副主任"))), 1):
            name, phone = names.take(), phones.take()
            busy = _busy_half_days(rng, today, 2, 0, 2) if rng.random() < 0.35 else []
            reasons = [rng.choice(CONTACT_BUSY_REASONS) for _ in busy]
            if name in existing:
                continue
            contact = Contact(
                name=name,
                position=position,
                phone=phone,
                email=f"{slug}{n}@example.cn",
                department=department,
            )
            contact.busy = [
                ContactBusy(start=start, end=end, reason=reason)
                for (start, end), reason in zip(busy, reasons, strict=True)
            ]
            db.session.add(contact)
            created += 1
            new_contacts.append(contact)
        _add_busy_season(department.code, new_contacts, today)
    return created


# The busy season: year-end meetings that keep whole departments away on the same half-days of the
# coming fortnight, so the joint meetings' availability heat map has something to show.
# (weekday offset from next Monday, morning?, reason, share of departments away)
BUSY_SEASON = (
    (0, False, "全市经济工作会议", 0.7),
    (1, True, "全市经济工作会议", 0.7),
    (1, False, "全市经济工作会议", 0.5),
    (2, True, "市委常委会", 0.3),
    (3, True, "赴省参会", 0.45),
    (3, False, "赴省参会", 0.45),
    (7, True, "年终考核", 0.5),
    (8, False, "专题培训", 0.25),
)


def _add_busy_season(code: str, contacts: list[Contact], today: date) -> None:
    """Both contacts of a share of the departments away at the season's events (its own generator,
    so the names and phones drawn above do not change)."""
    if len(contacts) < 2:
        return
    rng = random.Random(f"{SEED}-season-{code}")
    monday = today + timedelta(days=7 - today.weekday())
    for offset, morning, reason, share in BUSY_SEASON:
        if rng.random() >= share:
            continue
        day = monday + timedelta(days=offset)
        begin, end = MORNING if morning else AFTERNOON
        start, stop = at_local(day, begin), at_local(day, end)
        for contact in contacts:
            if not any(b.start < stop and start < b.end for b in contact.busy):
                contact.busy.append(ContactBusy(start=start, end=stop, reason=reason))


def _load_rooms() -> int:
    existing = set(db.session.scalars(select(Room.name)))
    created = 0
    for name, capacity, location in ROOMS:
        if name not in existing:
            db.session.add(Room(name=name, capacity=capacity, location=location))
            created += 1
    return created


def _load_matters() -> int:
    existing = set(db.session.scalars(select(Matter.title)))
    created = 0
    for m in DEMO_MATTERS:
        if m.title in existing:
            continue
        db.session.add(
            Matter(
                title=m.title,
                category=m.category,
                county=m.county,
                responsible_department=m.responsible,
                related_organisations=list(m.related),
                stage=m.stage,
                risk_level=m.risk,
                description=m.description,
            )
        )
        created += 1
    return created


# Each office's switchboard (demo numbers in 酒泉's 0937 area): mail and the RSVP page give them.
OFFICE_PHONES = {
    CITY: "0937-2881110",
    "肃州区": "0937-2628110",
    "玉门市": "0937-3221110",
    "敦煌市": "0937-8821110",
    "金塔县": "0937-4411110",
    "瓜州县": "0937-5521110",
    "肃北县": "0937-8221110",
    "阿克塞县": "0937-8121110",
}


def _load_office_phones() -> None:
    """The demo offices' phone numbers, where nobody has entered one."""
    for pool in db.session.scalars(select(Pool)):
        if not pool.office_phone and pool.code in OFFICE_PHONES:
            pool.office_phone = OFFICE_PHONES[pool.code]


def _load_users(roster: list[DemoExpert]) -> tuple[list[tuple[str, str, str]], int]:
    first_expert = db.session.scalar(select(Expert).where(Expert.phone == roster[0].phone))
    fagaiwei = db.session.scalar(select(Department).where(Department.code == "发改委"))
    clerk = fagaiwei.contacts[-1].name if fagaiwei is not None and fagaiwei.contacts else ""
    # (login, role, scope, expert, department, description, display name, unit)
    wanted: list[tuple[str, str, str | None, int | None, int | None, str, str, str]] = [
        ("demo", "coordinator", CITY, None, None, "市维稳办协调员，可查看全市", "李文华", "酒泉市维稳办"),
        ("suzhou", "coordinator", "肃州区", None, None, "肃州区维稳办协调员", "马建军", "肃州区维稳办"),
    ]
    if first_expert is not None:
        wanted.append(("expert1", "expert", None, first_expert.id, None, f"专家 {first_expert.name}", "", ""))
    if fagaiwei is not None:
        wanted.append(
            (
                "fagaiwei",
                "department",
                None,
                None,
                fagaiwei.id,
                f"联席会议成员单位 {fagaiwei.name}",
                clerk,
                fagaiwei.name,
            )
        )
    existing = set(db.session.scalars(select(User.username)))
    logins = []
    created = 0
    for username, role, scope, expert_id, department_id, description, name, unit in wanted:
        if username not in existing:
            create_user(
                username,
                DEMO_PASSWORD,
                role,
                scope=scope,
                expert_id=expert_id,
                department_id=department_id,
                display_name=name,
                unit=unit,
            )
            created += 1
        logins.append((username, DEMO_PASSWORD, description))
    return demo_logins(logins), created


def demo_logins(logins: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The logins as printed, the expert's named as the login now stands (see _give_expert1_an_invitation)."""
    user = db.session.scalar(select(User).where(User.username == "expert1"))
    if user is None or user.expert is None:
        return logins
    return [(u, p, f"专家 {user.expert.name}" if u == "expert1" else d) for u, p, d in logins]


def _give_expert1_an_invitation(panel: Any) -> None:
    """The demo expert has an invitation to answer: when the draw left ``expert1``'s expert out,
    the login is given to a drawn member instead (the draw itself stays as drawn)."""
    user = db.session.scalar(select(User).where(User.username == "expert1"))
    invited = [m for m in panel.members if m.state == "pending" and m.expert.email]
    if user is None or not invited or user.expert_id in {m.expert_id for m in invited}:
        return
    chosen = min(invited, key=lambda m: m.expert_id)
    audit.record(
        "demo.relink",
        None,
        target=f"user:{user.id}",
        before=user.expert_id,
        after=chosen.expert_id,
    )
    user.expert_id = chosen.expert_id


DEMO_AGENDA = (
    "一、通报全市本年度重大事项社会稳定风险评估工作情况\n"
    "二、研究下一年度重大事项评估计划\n"
    "三、各成员单位提出需会议研究的事项"
)


def load_demo_activity() -> dict[str, int]:
    """A demo city at work: a confirmed panel with its invitations in the outbox, a proposal
    waiting for confirmation, and a joint meeting called — only when nothing has been drawn yet."""
    from datetime import timedelta

    from .meetings import operations as meeting_operations
    from .models import JointMeeting, Matter, Panel, User
    from .models.department import JOINT_MEETING_DEPARTMENTS
    from .operations import OperationError
    from .panels import operations as panel_operations
    from .timeutil import local_now

    if db.session.scalar(select(func.count()).select_from(Panel)):
        return {"panels_created": 0, "meetings_created": 0}
    user = db.session.scalar(select(User).where(User.username == "demo"))
    if user is None:
        return {"panels_created": 0, "meetings_created": 0}
    today = local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())
    window = (monday.replace(hour=8, minute=30), (monday + timedelta(days=11)).replace(hour=18))
    city_matter = db.session.scalars(
        select(Matter).where(Matter.county.is_(None)).order_by(Matter.id)
    ).first()
    county_matter = db.session.scalars(
        select(Matter).where(Matter.county == "肃州区").order_by(Matter.id)
    ).first()
    panels = 0
    try:
        if city_matter is not None:
            panel = panel_operations.propose_panel(
                user,
                city_matter,
                {
                    "size": 5,
                    "seats": {"法律": 1, "社会稳定": 1},
                    "min_senior": 1,
                    "window": window,
                    "duration_minutes": 180,
                    "location": "市委第三会议室",
                },
            )
            panel_operations.confirm_panel(user, panel)
            _give_expert1_an_invitation(panel)
            panels += 1
        if county_matter is not None:
            panel_operations.propose_panel(
                user,
                county_matter,
                {
                    "size": 5,
                    "seats": {"土地征收": 1, "法律": 1, "信访": 1},
                    "min_senior": 1,
                    "window": window,
                    "duration_minutes": 180,
                    "location": "",
                },
            )
            panels += 1
        meetings = 0
        if not db.session.scalar(select(func.count()).select_from(JointMeeting)):
            scheduled = meeting_operations.schedule_meeting(
                user,
                {
                    "title": f"{monday.year}年稳评工作联席会议（演示）",
                    "agenda": DEMO_AGENDA,
                    "required": [code for code, _name in JOINT_MEETING_DEPARTMENTS],
                    "optional": ["公安局"],
                    "window": (window[0] + timedelta(days=7), window[1] + timedelta(days=7)),
                    "duration_minutes": 120,
                },
            )
            meeting_operations.invite(user, scheduled.meeting)
            meetings += 1
    except OperationError:
        # The demo's busy periods are random: if this week has no room, the city just has no activity yet.
        db.session.rollback()
        return {"panels_created": 0, "meetings_created": 0}
    db.session.commit()
    return {"panels_created": panels, "meetings_created": meetings}
