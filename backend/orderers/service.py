"""Orderer master: create, update, list."""

from __future__ import annotations

import unicodedata
from datetime import date

from msgspec import UNSET

from backend import db
from backend.audit import service as audit
from backend.domain.glossary import ORDERER_CLASS_LABELS
from backend.domain.subjects import template_problem
from backend.domain.wareki import wareki
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.errors import Conflict, FieldError, NotFound
from backend.orderers.schemas import OrdererCreate, OrdererOut, OrdererUpdate
from backend.orderers.tables import Orderer


def electronic_note(e_guarantee_from) -> str:
    if e_guarantee_from is None:
        return "電子証書には対応していません（書面のみ）。"
    return f"{wareki(e_guarantee_from)}以降に入札公告を行う案件は電子証書に対応しています。"


def to_out(row: dict) -> OrdererOut:
    return OrdererOut(
        code=row["code"],
        name=row["name"],
        reading=row["reading"],
        title=row["title"],
        orderer_class=row["orderer_class"],
        orderer_class_label=ORDERER_CLASS_LABELS[row["orderer_class"]],
        e_guarantee_from=row["e_guarantee_from"],
        accepts_electronic=row["e_guarantee_from"] is not None,
        electronic_note=electronic_note(row["e_guarantee_from"]),
        submission_email=row["submission_email"],
        channels=db.json_value(row["channels"], []),
        subject_templates=db.json_value(row["subject_templates"], {}),
        routing_note=row["routing_note"],
        active=row["active"],
    )


def _check_templates(templates: dict[str, str]) -> None:
    for template in templates.values():
        problem = template_problem(template)
        if problem:
            raise FieldError("subject_templates", problem)


# 和暦 has no era before 明治, and no orderer accepted electronic certificates before 2000.
E_GUARANTEE_FROM_RANGE = (date(2000, 1, 1), date(2099, 12, 31))


def _check_e_guarantee_from(value: date | None) -> None:
    first, last = E_GUARANTEE_FROM_RANGE
    if value is not None and not first <= value <= last:
        raise FieldError(
            "e_guarantee_from",
            f"電子証書の対象となる入札公告日は{wareki(first)}から{wareki(last)}までの日付で入力してください。",
        )


def _check_channels(channels: list[str], submission_email: str | None) -> None:
    if "email" in channels and not submission_email:
        raise FieldError("submission_email", "提出方法に電子メールを含める場合は、提出先メールアドレスを入力してください。")


def hiragana(text: str) -> str:
    """Katakana (and full-width forms) as hiragana: one spelling to sort and to search by."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in folded).strip()


def gojuon_key(row: dict) -> tuple[int, str, str]:
    """五十音順 by the reading; orderers with no reading yet come last, by name."""
    reading = row["reading"] or ""
    return (0 if reading else 1, reading or row["name"], row["code"])


def matches(row: dict, query: str) -> bool:
    """A free-text match on the name, the reading (in either kana) or the code."""
    needle = hiragana(query).lower()
    return any(needle in hiragana(row[field] or "").lower() for field in ("name", "reading", "code", "title"))


async def list_orderers(include_inactive: bool = False, query: str = "") -> list[OrdererOut]:
    """The master in 五十音順 (a few hundred rows: sorted and filtered here, not by the database's collation)."""
    select = Orderer.select()
    if not include_inactive:
        select = select.where(Orderer.active == True)  # noqa: E712 (Piccolo expression)
    rows = [row for row in await select if not query.strip() or matches(row, query.strip())]
    return [to_out(row) for row in sorted(rows, key=gojuon_key)]


async def get_row(code: str) -> dict:
    row = await Orderer.select().where(Orderer.code == code).first()
    if row is None:
        raise NotFound("発注者が見つかりません。")
    return row


async def create(data: OrdererCreate, actor: Actor) -> OrdererOut:
    _check_templates(data.subject_templates)
    _check_e_guarantee_from(data.e_guarantee_from)
    _check_channels(data.channels, data.submission_email)
    async with db.transaction():
        if await Orderer.exists().where(Orderer.code == data.code):
            raise Conflict(f"発注者コード {data.code} はすでに登録されています。")
        orderer = Orderer(
            code=data.code,
            name=data.name.strip(),
            reading=hiragana(data.reading),
            title=data.title.strip(),
            orderer_class=data.orderer_class,
            e_guarantee_from=data.e_guarantee_from,
            submission_email=data.submission_email,
            channels=list(dict.fromkeys(data.channels)),
            subject_templates=data.subject_templates,
            routing_note=data.routing_note,
        )
        await orderer.save()
        await audit.record("orderer.created", by=actor, target=data.code)
    return to_out(await get_row(data.code))


async def update(code: str, data: OrdererUpdate, actor: Actor) -> OrdererOut:
    changes = {name: value for name in data.__struct_fields__ if (value := getattr(data, name)) is not UNSET}
    if "subject_templates" in changes:
        _check_templates(changes["subject_templates"])
    if "e_guarantee_from" in changes:
        _check_e_guarantee_from(changes["e_guarantee_from"])
    if "reading" in changes:
        changes["reading"] = hiragana(changes["reading"])
    async with db.transaction():
        row = await get_row(code)
        merged = {**row, "channels": db.json_value(row["channels"], []), **changes}
        _check_channels(merged["channels"], merged["submission_email"])
        if changes:
            values = {getattr(Orderer, name): value for name, value in changes.items()}
            values[Orderer.updated_at] = clock.now()
            await Orderer.update(values).where(Orderer.code == code)
        await audit.record(
            "orderer.updated", by=actor, target=code,
            details={"fields": sorted(changes)},
        )
    return to_out(await get_row(code))
