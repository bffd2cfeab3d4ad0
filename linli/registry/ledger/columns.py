"""The ledger's columns: the Chinese headers community workers write, their synonyms, and
the words they use in cells (户主, 租住, 流动 ...), mapped to the registry's code values.

The headers and cell words are data, not interface text: a ledger is a Chinese document
whatever language the page is shown in, and an exported ledger must import again as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Gender, Relation, ResidenceStatus, Tenure


@dataclass(frozen=True)
class Column:
    key: str  # code name used by the importer
    header: str  # canonical Chinese header (template and exports)
    synonyms: tuple[str, ...] = ()
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("compound", "小区", ("小区名称", "小区名", "居住小区", "住宅小区"), required=True),
    Column("building", "楼号", ("楼栋", "楼栋号", "幢", "幢号", "栋", "栋号", "楼"), required=True),
    Column("entrance", "单元", ("单元号", "门洞")),
    Column("room", "室号", ("房号", "门牌", "门牌号", "房间号", "室", "户号"), required=True),
    Column("area", "面积", ("建筑面积", "登记面积", "面积(㎡)", "面积(m²)", "面积（平方米）")),
    Column("tenure", "户别", ("住房性质", "居住性质", "房屋性质", "自住/租住")),
    Column("name", "姓名", ("居民姓名", "名字"), required=True),
    Column("gender", "性别", ()),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日", "生日")),
    Column("id_number", "身份证号", ("身份证号码", "证件号码", "证件号", "公民身份号码", "身份证")),
    Column("phone", "联系电话", ("手机", "手机号", "手机号码", "电话", "电话号码", "联系方式")),
    Column("relation", "与户主关系", ("户主关系", "关系", "家庭关系")),
    Column("residence_status", "户籍类型", ("人口类型", "户籍性质", "居住类型", "人员类型")),
    Column("tags", "标签", ("人员标签", "类别", "特殊人群", "备注标签")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)
TEMPLATE_HEADERS = tuple(c.header for c in COLUMNS)

_SPACES = re.compile(r"[\s\u3000]+")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "：": ":", "＊": "*"})


def header_token(text: object) -> str:
    """A header cell reduced to what identifies it: no spaces, no '*' required markers,
    ASCII brackets, no trailing colon."""
    value = _SPACES.sub("", str(text or "")).translate(_BRACKETS).strip("*:")
    return value


_HEADER_LOOKUP: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.header, *_c.synonyms):
        _HEADER_LOOKUP[header_token(_name)] = _c.key


def column_for_header(text: object) -> str | None:
    """The column key a header cell names, or None when it is not one of ours."""
    token = header_token(text)
    if not token:
        return None
    if token in _HEADER_LOOKUP:
        return _HEADER_LOOKUP[token]
    # "面积(㎡)", "联系电话(手机)": the part before a bracket is the header.
    base = token.split("(", 1)[0]
    return _HEADER_LOOKUP.get(base)


# Cell words → code values. Keys are compared after removing spaces.
GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE, "M": Gender.MALE, "F": Gender.FEMALE}
GENDER_LABEL = {Gender.MALE: "男", Gender.FEMALE: "女"}

TENURE_WORDS = {
    "自住": Tenure.OWNER,
    "自有": Tenure.OWNER,
    "业主": Tenure.OWNER,
    "产权": Tenure.OWNER,
    "自购": Tenure.OWNER,
    "租住": Tenure.TENANT,
    "租赁": Tenure.TENANT,
    "租房": Tenure.TENANT,
    "出租": Tenure.TENANT,
    "租户": Tenure.TENANT,
    "其他": Tenure.OTHER,
    "借住": Tenure.OTHER,
}
TENURE_LABEL = {Tenure.OWNER: "自住", Tenure.TENANT: "租住", Tenure.OTHER: "其他"}

RELATION_WORDS = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "子女": Relation.CHILD,
    "长子": Relation.CHILD,
    "次子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "父母": Relation.PARENT,
    "父": Relation.PARENT,
    "母": Relation.PARENT,
    "岳父": Relation.PARENT,
    "岳母": Relation.PARENT,
    "公公": Relation.PARENT,
    "婆婆": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
    "孙子女": Relation.GRANDCHILD,
    "兄弟": Relation.SIBLING,
    "姐妹": Relation.SIBLING,
    "兄弟姐妹": Relation.SIBLING,
    "兄": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "姐": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "儿媳": Relation.OTHER_RELATIVE,
    "女婿": Relation.OTHER_RELATIVE,
    "亲属": Relation.OTHER_RELATIVE,
    "其他亲属": Relation.OTHER_RELATIVE,
    "租户": Relation.TENANT,
    "合租": Relation.TENANT,
    "合租人": Relation.TENANT,
    "其他": Relation.OTHER,
}
RELATION_LABEL = {
    Relation.HEAD: "户主",
    Relation.SPOUSE: "配偶",
    Relation.CHILD: "子女",
    Relation.PARENT: "父母",
    Relation.GRANDCHILD: "孙子女",
    Relation.SIBLING: "兄弟姐妹",
    Relation.OTHER_RELATIVE: "其他亲属",
    Relation.TENANT: "合租",
    Relation.OTHER: "其他",
}

STATUS_WORDS = {
    "户籍": ResidenceStatus.REGISTERED,
    "户籍人口": ResidenceStatus.REGISTERED,
    "本地": ResidenceStatus.REGISTERED,
    "常住": ResidenceStatus.RESIDENT,
    "常住人口": ResidenceStatus.RESIDENT,
    "人户分离": ResidenceStatus.RESIDENT,
    "流动": ResidenceStatus.MIGRANT,
    "流动人口": ResidenceStatus.MIGRANT,
    "外来": ResidenceStatus.MIGRANT,
    "外来人口": ResidenceStatus.MIGRANT,
}
STATUS_LABEL = {
    ResidenceStatus.REGISTERED: "户籍",
    ResidenceStatus.RESIDENT: "常住",
    ResidenceStatus.MIGRANT: "流动",
}

TAG_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_TAG_LEVEL = re.compile(r"^(?P<name>[^()（）]+)[(（](?P<level>[^()（）]*)[)）]$")


def split_tags(text: str) -> list[tuple[str, str]]:
    """'残疾(二级)、党员' → [('残疾', '二级'), ('党员', '')]."""
    out = []
    for part in TAG_SEPARATORS.split(text or ""):
        if not part:
            continue
        m = _TAG_LEVEL.match(part)
        if m:
            out.append((m.group("name").strip(), m.group("level").strip()))
        else:
            out.append((part.strip(), ""))
    return out


def format_tags(pairs: list[tuple[str, str]]) -> str:
    return "、".join(f"{name}({level})" if level else name for name, level in pairs)
