"""Orderer master bodies (DESIGN §5.1)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from backend.lib.schema import Email, Input, Output, ShortText, text

OrdererCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$", extra={"hint": "半角英数字・ハイフン。例: tottori-kgc"})
]
OrdererClass = Literal["national", "prefecture", "municipality", "agency", "other"]
Channel = Literal["email", "e-contract", "e-application", "fax", "paper"]
GuaranteeType = Literal["advance", "interim_advance", "contract"]
SubjectTemplate = text(200, hint="例: 【前払保証】{project_name}")
RoutingNote = text(500, min_length=0, multi_line=True)
Channels = Annotated[list[Channel], msgspec.Meta(max_length=5)]
# 読み仮名: hiragana or katakana (stored as hiragana), with the long-vowel mark and spaces.
Reading = Annotated[str, msgspec.Meta(max_length=100, pattern=r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u3000 ]*$")]


class OrdererCreate(Input):
    code: OrdererCode
    name: ShortText
    title: ShortText
    orderer_class: OrdererClass
    reading: Reading = ""
    e_guarantee_from: date | None = None
    submission_email: Email | None = None
    channels: Channels = msgspec.field(default_factory=list)
    subject_templates: dict[GuaranteeType, SubjectTemplate] = msgspec.field(default_factory=dict)
    routing_note: RoutingNote = ""


class OrdererUpdate(Input):
    name: ShortText | UnsetType = UNSET
    reading: Reading | UnsetType = UNSET
    title: ShortText | UnsetType = UNSET
    orderer_class: OrdererClass | UnsetType = UNSET
    e_guarantee_from: date | None | UnsetType = UNSET
    submission_email: Email | None | UnsetType = UNSET
    channels: Channels | UnsetType = UNSET
    subject_templates: dict[GuaranteeType, SubjectTemplate] | UnsetType = UNSET
    routing_note: RoutingNote | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class OrdererOut(Output):
    code: str
    name: str
    reading: str
    title: str
    orderer_class: OrdererClass
    orderer_class_label: str
    e_guarantee_from: date | None
    accepts_electronic: bool
    electronic_note: str  # e.g. 令和7年10月1日以降に入札公告を行う案件は電子証書に対応
    submission_email: str | None
    channels: list[str]
    subject_templates: dict[str, str]
    routing_note: str
    active: bool
