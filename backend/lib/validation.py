"""Request bodies: decoded safely, stripped, and — when they fail — checked field by field.

msgspec stops at the first bad field, so a person who left ten fields empty would learn of
them one submit at a time. When Litestar's decode of a body fails, :func:`request_problems`
checks the raw JSON against the handler's ``data`` struct one field at a time (schema errors)
and runs the struct's :meth:`~backend.lib.schema.Input.rule_problems` on the fields that passed
(domain rules), so one 400 lists everything. The success path pays nothing for this.

:class:`HoshoRequest` decodes every JSON body in one place: invalid UTF-8, nesting deeper than
:data:`MAX_DEPTH` and numbers Python refuses to build are a 400 (they were 500s), and string
values are stripped so that length checks see what a person meant.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union, get_args

import msgspec
from litestar import Request
from litestar.types import Empty
from msgspec import inspect as mi

from backend.lib.errors import FieldMessage, Validation, label
from backend.lib.schema import MULTI_LINE, SINGLE_LINE

MAX_DEPTH = 16  # our deepest body is 3 levels; msgspec itself recurses until Python's limit (a 500)
NOT_STRIPPED = frozenset({"password", "current_password", "new_password"})  # a space may be part of one
UNREADABLE = "リクエスト本文をJSONとして読み取れませんでした。UTF-8のJSONオブジェクトを送ってください。"
TOO_DEEP = f"リクエスト本文の入れ子が深すぎます（{MAX_DEPTH}段まで）。"
_SINGLE_LINE = re.compile(SINGLE_LINE)
_MULTI_LINE = re.compile(MULTI_LINE)


class HoshoRequest(Request):
    """The app's request class: JSON bodies go through :func:`decode_body`."""

    async def json(self) -> Any:
        if self._json is Empty:
            if self._connection_state.json is Empty:
                self._connection_state.json = decode_body(await self.body())
            self._json = self._connection_state.json
        return self._json


def decode_body(body: bytes) -> Any:
    try:
        value = msgspec.json.decode(body or b"null")
    except RecursionError:
        raise Validation([], detail=TOO_DEEP) from None
    except msgspec.DecodeError:
        raise Validation([], detail=UNREADABLE) from None
    except ValueError:  # an integer of more digits than Python converts (4300)
        raise Validation([], detail="リクエスト本文の数値が大きすぎます。") from None
    return _stripped(value, 0)


def _stripped(value: Any, depth: int, key: str = "") -> Any:
    if depth > MAX_DEPTH:
        raise Validation([], detail=TOO_DEEP)
    if isinstance(value, str):
        return value if key in NOT_STRIPPED else value.strip()
    if isinstance(value, dict):
        return {name: _stripped(item, depth + 1, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_stripped(item, depth + 1) for item in value]
    return value


# ---- every failing field of a body -------------------------------------------------------------


def request_problems(request: Request, extra: list) -> list[FieldMessage]:
    """The failing fields of a request Litestar refused: the body's all at once, then the rest."""
    problems: list[FieldMessage] = []
    body_failed = False
    for item in extra:
        if isinstance(item, dict) and item.get("source") == "body":
            body_failed = True
        elif isinstance(item, dict):
            key = item.get("key")
            problems.append(FieldMessage(_field_of(key, item.get("message", "")), translate(key, item.get("message", ""))))
    data_field = request.route_handler.parsed_data_field
    raw = request._connection_state.json  # decoded (and stripped) already: the body failed its struct
    struct_type = _struct_of(data_field.annotation) if data_field is not None else None  # `X | None` bodies too
    if body_failed and struct_type is not None and raw is not Empty:
        problems[:0] = body_problems(struct_type, raw)
    return problems


def body_problems(struct_type: type, raw: Any) -> list[FieldMessage]:
    """Every schema error of ``raw`` against ``struct_type``, then the rules on what passed."""
    values, problems = _check_struct(struct_type, raw, "")
    failed = {problem.field for problem in problems}
    rules = getattr(struct_type, "rule_problems", None)
    if rules is not None and not any(not problem.field for problem in problems):
        problems += [FieldMessage(field, message) for field, message in rules(values) if field not in failed]
    return problems


def _check_struct(struct_type: type, raw: Any, prefix: str) -> tuple[dict, list[FieldMessage]]:
    if not isinstance(raw, dict):
        where = f"{label(prefix.rstrip('.'))}は" if prefix else "リクエスト本文は"
        return {}, [FieldMessage(prefix.rstrip("."), f"{where}JSONオブジェクト（{{…}}）で送ってください。")]
    fields = msgspec.structs.fields(struct_type)
    values: dict = {}
    problems: list[FieldMessage] = []
    known = {field.encode_name for field in fields}
    if getattr(struct_type.__struct_config__, "forbid_unknown_fields", False):
        for name in raw:
            if name not in known:
                problems.append(FieldMessage(prefix + name, f"「{name}」という項目は受け付けていません。項目名をご確認ください。"))
    for field in fields:
        path = prefix + field.encode_name
        if field.encode_name not in raw:
            if field.required:
                problems.append(FieldMessage(path, _missing(path, _info(field.type))))
            continue
        value = raw[field.encode_name]
        nested = _struct_of(field.type)
        if nested is not None and isinstance(value, dict):
            inner, inner_problems = _check_struct(nested, value, path + ".")
            problems += inner_problems
            if not inner_problems:
                values[field.name] = msgspec.convert(value, field.type)
            continue
        try:
            values[field.name] = msgspec.convert(value, field.type)
        except msgspec.ValidationError:
            problems.append(FieldMessage(path, value_message(path, _info(field.type), value)))
    return values, problems


def _struct_of(annotation: Any) -> type | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, msgspec.Struct):
            return candidate
    return None


def _info(annotation: Any) -> mi.Type:
    return mi.type_info(annotation)


def _unwrap(info: mi.Type) -> tuple[mi.Type, dict, bool]:
    """The one meaningful type of an optional field, its ``extra`` and whether null is allowed."""
    extra: dict = {}
    nullable = False
    while True:
        if isinstance(info, mi.Metadata):
            extra = {**(info.extra or {}), **extra}
            info = info.type
        elif isinstance(info, mi.UnionType):
            kept = [t for t in info.types if not isinstance(t, mi.NoneType)]
            nullable = nullable or any(isinstance(t, mi.NoneType) for t in info.types)
            if len(kept) != 1:
                return info, extra, nullable
            info = kept[0]
        else:
            return info, extra, nullable


def _missing(path: str, info: mi.Type) -> str:
    info, extra, _ = _unwrap(info)
    hint = extra.get("hint")
    if isinstance(info, mi.LiteralType):
        return f"{label(path)}を選んでください。"
    return f"{label(path)}を入力してください" + (f"（{hint}）。" if hint else "。")


def value_message(path: str, info: mi.Type, value: Any) -> str:
    """What to type instead of ``value`` for a field of type ``info`` (Japanese)."""
    info, extra, _ = _unwrap(info)
    name = label(path)
    hint = extra.get("hint")
    with_hint = f"（{hint}）" if hint else ""
    if value is None:
        return _missing(path, info)
    if isinstance(info, mi.StrType):
        if not isinstance(value, str):
            return f"{name}は文字列で入力してください{with_hint}。"
        if value == "" and info.min_length:
            return _missing(path, info)
        if info.pattern == MULTI_LINE and not _MULTI_LINE.match(value):
            return f"{name}に制御文字や書式制御文字（U+2028、文字の向きの指定など）は使えません。"
        if info.pattern != MULTI_LINE and not _SINGLE_LINE.match(value):
            return f"{name}に改行・タブ・制御文字や書式制御文字（U+2028、文字の向きの指定など）は使えません。1行で入力してください。"
        if info.max_length is not None and len(value) > info.max_length:
            return f"{name}は{info.max_length}文字以内で入力してください（現在{len(value)}文字）。"
        if info.pattern not in (SINGLE_LINE, MULTI_LINE, None):
            return f"{name}の形式が正しくありません{with_hint}。"
        if info.min_length is not None and len(value) < info.min_length:
            return f"{name}は{info.min_length}文字以上で入力してください{with_hint}。"
        return f"{name}の形式が正しくありません{with_hint}。"
    if isinstance(info, mi.IntType):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{name}は整数（半角数字）で入力してください{with_hint}。"
        if info.ge is not None and value < info.ge:
            return f"{name}は{info.ge:,}以上の整数で入力してください。"
        if info.le is not None and value > info.le:
            return f"{name}は{info.le:,}以下の整数で入力してください。"
        return f"{name}の値が正しくありません{with_hint}。"
    if isinstance(info, mi.DateType):
        return f"{name}はYYYY-MM-DD形式の日付で入力してください（例: 2025-10-01）。"
    if isinstance(info, mi.DateTimeType):
        return f"{name}は日時（例: 2025-10-01T09:00:00+09:00）で入力してください。"
    if isinstance(info, mi.BoolType):
        return f"{name}は true か false で指定してください。"
    if isinstance(info, (mi.LiteralType, mi.EnumType)):
        choices = info.values if isinstance(info, mi.LiteralType) else [m.value for m in info.cls]
        return f"{name}の値が選択肢にありません（{'、'.join(map(str, choices))}のいずれか）。"
    if isinstance(info, mi.ListType):
        if not isinstance(value, list):
            return f"{name}は配列（[…]）で指定してください。"
        if info.max_length is not None and len(value) > info.max_length:
            return f"{name}は{info.max_length}件以内で指定してください。"
        for item in value:
            try:
                msgspec.convert(item, _python_type(info.item_type))
            except (msgspec.ValidationError, TypeError):
                return value_message(path, info.item_type, item)
    if isinstance(info, mi.DictType):
        if not isinstance(value, dict):
            return f"{name}はJSONオブジェクト（{{…}}）で指定してください。"
        for key, item in value.items():
            for part, part_info in ((key, info.key_type), (item, info.value_type)):
                try:
                    msgspec.convert(part, _python_type(part_info))
                except (msgspec.ValidationError, TypeError):
                    return value_message(path, part_info, part)
    return f"{name}の値が正しくありません。"


def _python_type(info: mi.Type) -> Any:
    """Back from an inspected type to one msgspec can convert to (for list items and dict parts)."""
    info, _, nullable = _unwrap(info)
    base: Any
    if isinstance(info, mi.StrType):
        base = str if not (info.min_length or info.max_length or info.pattern) else _annotated_str(info)
    elif isinstance(info, mi.LiteralType):
        base = Literal[tuple(info.values)]  # type: ignore[valid-type]
    elif isinstance(info, mi.IntType):
        base = int
    else:
        base = Any
    return Union[base, None] if nullable else base  # noqa: UP007 - built at runtime


def _annotated_str(info: mi.StrType) -> Any:
    return Annotated[str, msgspec.Meta(min_length=info.min_length, max_length=info.max_length, pattern=info.pattern)]


# ---- query and path parameters: translate Litestar's one message per parameter -------------------

_MSG_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"missing required field `?([\w]+)`?"), "{label}を入力してください。"),
    (re.compile(r"length <= (\d+)"), "{label}は{n}文字以内で入力してください。"),
    (re.compile(r"length >= (\d+)"), "{label}は{n}文字以上で入力してください。"),
    (re.compile(r"Expected `int` >= (-?\d+)"), "{label}は{n}以上の整数で入力してください。"),
    (re.compile(r"Expected `int` <= (-?\d+)"), "{label}は{n}以下の整数で入力してください。"),
    (re.compile(r"Expected `int`"), "{label}は整数（半角数字）で指定してください。"),
    (re.compile(r"RFC ?3339|Expected `date`"), "{label}はYYYY-MM-DD形式の日付で指定してください。"),
    (re.compile(r"Invalid enum value|Expected .*one of"), "{label}の値が選択肢にありません。"),
    (re.compile(r"match pattern"), "{label}の形式が正しくありません。"),
    (re.compile(r"Expected `str`"), "{label}は文字列で指定してください。"),
]


def translate(key: str | None, message: str) -> str:
    """One msgspec/Litestar message about a parameter, in Japanese naming it."""
    name = label(_field_of(key, message))
    for pattern, template in _MSG_PATTERNS:
        found = pattern.search(message)
        if found:
            n = found.group(1) if found.groups() and "{n}" in template else ""
            return template.format(label=name, n=n)
    return f"{name}の値が正しくありません。"


def _field_of(key: str | None, message: str) -> str:
    return "" if key is None else re.sub(r"\[\d+\]", "", key)

