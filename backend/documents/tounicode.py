"""Make text copied or extracted from our PDFs read as the characters we wrote.

IPAex fonts draw a radical and the ideograph it looks like with one glyph (⽇ U+2F47 and
日 U+65E5). Qt's PDF writer maps each glyph back to the *lowest* code point of the font that
uses it, so the ToUnicode CMap says ⽇ where the HTML said 日: search, copy-and-paste and
screen readers then see radicals. ``fix_tounicode`` rewrites those entries in place to the
ideograph the glyph stands for (taken from the fonts' own cmaps; a same-length edit, so no
offsets in the file move). Radicals whose ideograph lies outside the BMP are left alone.
A few punctuation glyphs have the same problem (— is written as U+0336, − as a soft hyphen).
"""

from __future__ import annotations

import re

# Radical → ideograph sharing its glyph in IPAexGothic / IPAexMincho (pairs of characters).
_PAIRS = (
    "⺃乚⺅亻⺇𠘨⺉刂⺎兀⺏尣⺐尢⺒巳⺓幺⺔彑⺖忄⺗㣺⺘扌⺙攵⺛旡⺞歺⺟母⺠民⺡氵⺣灬⺤爫⺦丬⺨犭⺪𤴔⺫罒⺭礻⺲罒⺹耂⺽𦥑⺾艹⺿艹⻀艹⻁虎⻂衤⻃覀⻄西⻊𧾷⻌辶⻍辶⻏阝"
    "⻑長⻒镸⻖阝⻘青⻞𩙿⻟飠⻤鬼⻨麦⻩黄⻫斉⻭歯⻯竜⻲亀⼀一⼁丨⼂丶⼃丿⼄乙⼅亅⼆二⼇亠⼈人⼉儿⼊入⼋八⼌冂⼍冖⼎冫⼏几⼐凵⼑刀⼒力⼓勹⼔匕⼕匚⼖匸⼗十⼘卜⼙卩⼚厂"
    "⼛厶⼜又⼝口⼞囗⼟土⼠士⼡夂⼢夊⼣夕⼤大⼥女⼦子⼧宀⼨寸⼩小⼪尢⼫尸⼬屮⼭山⼮巛⼯工⼰己⼱巾⼲干⼳幺⼴广⼵廴⼶廾⼷弋⼸弓⼹彐⼺彡⼻彳⼼心⼽戈⼾戸⼿手⽀支⽁攴⽂文"
    "⽃斗⽄斤⽅方⽆无⽇日⽈曰⽉月⽊木⽋欠⽌止⽍歹⽎殳⽏毋⽐比⽑毛⽒氏⽓气⽔水⽕火⽖爪⽗父⽘爻⽙爿⽚片⽛牙⽜牛⽝犬⽞玄⽟玉⽠瓜⽡瓦⽢甘⽣生⽤用⽥田⽦疋⽧疒⽨癶⽩白⽪皮"
    "⽫皿⽬目⽭矛⽮矢⽯石⽰示⽱禸⽲禾⽳穴⽴立⽵竹⽶米⽷糸⽸缶⽹网⽺羊⽻羽⽼老⽽而⽾耒⽿耳⾀聿⾁肉⾂臣⾃自⾄至⾅臼⾆舌⾇舛⾈舟⾉艮⾊色⾋艸⾌虍⾍虫⾎血⾏行⾐衣⾑襾⾒見"
    "⾓角⾔言⾕谷⾖豆⾗豕⾘豸⾙貝⾚赤⾛走⾜足⾝身⾞車⾟辛⾠辰⾡辵⾢邑⾣酉⾤釆⾥里⾦金⾧長⾨門⾩阜⾪隶⾫隹⾬雨⾭靑⾮非⾯面⾰革⾱韋⾲韭⾳音⾴頁⾵風⾶飛⾷食⾸首⾹香⾺馬"
    "⾻骨⾼高⾽髟⾾鬥⾿鬯⿀鬲⿁鬼⿂魚⿃鳥⿄鹵⿅鹿⿆麥⿇麻⿈黃⿉黍⿊黒⿋黹⿌黽⿍鼎⿎鼓⿏鼠⿐鼻⿑齊⿒齒⿓龍⿔龜⿕龠")
_TABLE: dict[str, str] = {}
for _radical, _ideograph in zip(_PAIRS[::2], _PAIRS[1::2], strict=True):
    if ord(_ideograph) <= 0xFFFF:  # a 4-hex-digit CMap value stays 4 digits
        _TABLE[f"{ord(_radical):04X}"] = f"{ord(_ideograph):04X}"
# Other shared glyphs where the lowest code point is the unlikely reading.
_TABLE.update(
    {
        "0336": "2014",  # COMBINING LONG STROKE OVERLAY → EM DASH —
        "00AD": "2212",  # SOFT HYPHEN → MINUS SIGN −
        "02BB": "2018",  # MODIFIER LETTER TURNED COMMA → ‘
        "02BC": "2019",  # MODIFIER LETTER APOSTROPHE → ’
        "2003": "3000",  # EM SPACE → IDEOGRAPHIC SPACE
        "0305": "203E",  # COMBINING OVERLINE → OVERLINE ‾
    }
)
CODE_POINT_FIXES = {chr(int(k, 16)): chr(int(v, 16)) for k, v in _TABLE.items()}

_SECTION = re.compile(rb"begin(bfrange|bfchar)(.*?)end\1", re.S)
_ARRAY = re.compile(rb"\[([^\]]*)\]")
_HEX4 = re.compile(rb"<([0-9A-Fa-f]{4})>")
_RANGE_LINE = re.compile(rb"(<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*)<([0-9A-Fa-f]{4})>")
_CHAR_LINE = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<([0-9A-Fa-f]{4})>")


def _value(match: re.Match[bytes], group: int = 1) -> bytes:
    code = match.group(group).decode().upper()
    return f"<{_TABLE.get(code, code)}>".encode()


def _fix_range(body: bytes) -> bytes:
    # "<lo> <hi> [<u1> <u2> …]": every array element is a Unicode value.
    body = _ARRAY.sub(lambda m: b"[" + _HEX4.sub(_value, m.group(1)) + b"]", body)

    # "<lo> <hi> <u>": a single code, or consecutive ones (left alone: renumbering would break it).
    def single(m: re.Match[bytes]) -> bytes:
        low, high = _HEX4.findall(m.group(1)) or [b"", b"x"]
        return m.group(1) + (_value(m, 2) if low == high else b"<" + m.group(2) + b">")

    return _RANGE_LINE.sub(single, body)


def _fix_char(body: bytes) -> bytes:
    # "<cid> <u>" pairs.
    return _CHAR_LINE.sub(lambda m: m.group(1) + _value(m, 2), body)


def fix_tounicode(pdf: bytes) -> bytes:
    """``pdf`` with radicals in its (uncompressed) ToUnicode CMaps mapped to ideographs."""

    def section(m: re.Match[bytes]) -> bytes:
        kind, body = m.group(1), m.group(2)
        fixed = _fix_range(body) if kind == b"bfrange" else _fix_char(body)
        return b"begin" + kind + fixed + b"end" + kind

    fixed = _SECTION.sub(section, pdf)
    if len(fixed) != len(pdf):  # never move an offset; keep the original instead
        return pdf
    return fixed
