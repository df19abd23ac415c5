"""Display rows shared by e-Net and D-Sure: a certificate's content and its version history."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from frontend import fmt
from frontend.api import CertificateDetail, Verification

STATUS_TONES = {"valid": "green", "cancelled": "red", "expired": "gray", "superseded": "amber"}


@dataclasses.dataclass
class Row:
    label: str = ""
    value: str = ""


@dataclasses.dataclass
class ChangeView:
    label: str = ""
    before: str = ""
    after: str = ""


@dataclasses.dataclass
class VersionView:
    version: str = ""
    issued: str = ""
    reason: str = ""
    current: bool = False
    changes: list[ChangeView] = dataclasses.field(default_factory=list)


def _party(value: Any, *keys: str) -> str:
    if isinstance(value, dict):
        return "　".join(str(value[key]) for key in keys if value.get(key))
    return str(value or "")


def snapshot_rows(snapshot: dict[str, Any]) -> list[Row]:
    """The certificate's content as label/value rows (the order of the paper certificate)."""
    project = snapshot.get("project") or {}
    guarantee = snapshot.get("guarantee") or {}
    terms = snapshot.get("terms") or {}
    interim = snapshot.get("interim") or {}
    kind = snapshot.get("guarantee_type", "")
    rows = [
        Row("保証契約番号", str(snapshot.get("contract_number", ""))),
        Row("保証の種類", snapshot.get("guarantee_type_label") or fmt.label(fmt.GUARANTEE_TYPES, kind)),
        Row("発注者（被保証者）", _party(snapshot.get("orderer"), "title", "name")),
        Row("保証契約者（請負者）", _party(snapshot.get("contractor"), "company_name", "representative")),
        Row("請負者の所在地", _party(snapshot.get("contractor"), "address")),
        Row("建設業許可番号", _party(snapshot.get("contractor"), "license_number")),
        Row("保証事業会社", _party(snapshot.get("surety"), "name", "representative")),
        Row("保証事業会社の所在地", _party(snapshot.get("surety"), "address")),
        Row("工事番号", str(project.get("orderer_project_number") or "―")),
        Row("工事名", str(project.get("name", ""))),
        Row("工事場所", str(project.get("location", ""))),
        Row("請負代金額", fmt.yen(project.get("contract_amount"))),
        Row("契約日", fmt.wareki(project.get("contract_date"))),
        Row("工期", fmt.period(project.get("period_start"), project.get("period_end"))),
        Row("保証金額", fmt.yen(guarantee.get("amount"))),
        Row("保証期間", fmt.period(guarantee.get("period_start"), guarantee.get("period_end"))),
        Row("預託金融機関", _party(snapshot.get("deposit_bank"), "name", "branch")),
        Row("前払金保証の保証契約番号", str(interim.get("advance_contract_number") or "")),
        Row("中間前払金の認定日", fmt.wareki(interim.get("certified_on")) if interim else ""),
        Row("保証約款", "　".join(filter(None, [terms.get("name"), terms.get("version")]))),
        Row("発行日", fmt.wareki(snapshot.get("issued_on"))),
    ]
    return [row for row in rows if row.value]


def version_views(detail: CertificateDetail | Verification) -> list[VersionView]:
    views = []
    for info in sorted(detail.versions, key=lambda v: v.version, reverse=True):
        views.append(
            VersionView(
                version=f"第{info.version}版",
                issued=fmt.wareki(info.issued_on),
                reason=info.change_reason or ("当初発行" if info.version == 1 else ""),
                current=info.version == detail.version,
                changes=[
                    ChangeView(change.label or change.field, fmt.change_value(change.field, change.before),
                               fmt.change_value(change.field, change.after))
                    for change in info.changes
                ],
            )
        )
    return views


class CertificateShown(rx.State, mixin=True):
    """A certificate's content as e-Net's detail page and D-Sure's result show it (mixed into their states)."""

    contract_number: str = ""
    title: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    rows: list[Row] = []
    versions: list[VersionView] = []
    digest: str = ""
    acknowledged: str = ""  # when the orderer confirmed receipt (受領確認)

    def _show_certificate(self, shown: CertificateDetail | Verification) -> None:
        snapshot = shown.certificate
        self.contract_number = shown.contract_number
        self.title = snapshot.get("certificate_title") or fmt.label(fmt.GUARANTEE_TYPES, snapshot.get("guarantee_type"))
        self.status_label = shown.status_label
        self.status_tone = STATUS_TONES.get(shown.status, "gray")
        self.version = f"第{shown.version}版"
        self.rows = snapshot_rows(snapshot)
        self.versions = version_views(shown)
        self.digest = shown.digest
        self.acknowledged = fmt.wareki_time(shown.acknowledged_at)
