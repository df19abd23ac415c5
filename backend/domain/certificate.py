"""The electronic certificate's content: snapshots, changes, status (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.domain.glossary import CERTIFICATE_TITLES, GUARANTEE_TYPE_LABELS

TERMS = {
    "advance": {"name": "前払金保証約款", "version": "令和6年4月版"},
    "interim_advance": {"name": "前払金保証約款（中間前払金）", "version": "令和6年4月版"},
    "contract": {"name": "契約保証約款", "version": "令和6年4月版"},
}

# Fields an amendment may change → (label, where in the snapshot).
AMENDABLE = {
    "contract_amount": ("請負代金額", ("project", "contract_amount")),
    "guarantee_amount": ("保証金額", ("guarantee", "amount")),
    "period_end": ("保証期限（工期の終期）", ("guarantee", "period_end")),
}

STATUS_LABELS = {"valid": "有効", "cancelled": "解約", "expired": "期限満了", "superseded": "変更済（旧版）"}


def first_snapshot(
    *,
    contract_number: str,
    issued_on: date,
    surety: dict[str, str],
    contractor: dict[str, str],
    orderer: dict[str, str],
    application: dict[str, Any],
    guarantee_amount: int,
) -> dict[str, Any]:
    """Version 1 of a certificate, from the concluded application.

    The contractor is named by 商号, 代表者, 所在地 and 建設業許可番号, never by its login
    (お客様ID): orderers read this content on D-Sure and on every printout.
    """
    kind = application["guarantee_type"]
    snapshot = {
        "contract_number": contract_number,
        "version": 1,
        "guarantee_type": kind,
        "guarantee_type_label": GUARANTEE_TYPE_LABELS[kind],
        "certificate_title": CERTIFICATE_TITLES[kind],
        "issued_on": issued_on.isoformat(),
        "surety": surety,
        "contractor": contractor,
        "orderer": orderer,
        "project": {
            "name": application["project_name"],
            "location": application["project_location"],
            "orderer_project_number": application["orderer_project_number"] or None,
            "contract_amount": application["contract_amount"],
            "contract_date": application["contract_date"].isoformat(),
            "period_start": application["period_start"].isoformat(),
            "period_end": application["period_end"].isoformat(),
        },
        "guarantee": {
            "amount": guarantee_amount,
            "period_start": application["period_start"].isoformat(),
            "period_end": application["period_end"].isoformat(),
        },
        "terms": TERMS[kind],
        "changes": [],
        "change_reason": None,
    }
    if application.get("deposit_bank"):
        snapshot["deposit_bank"] = dict(application["deposit_bank"])  # 預託金融機関 {name, branch}
    if kind == "interim_advance" and application.get("advance_contract_number"):
        snapshot["interim"] = {  # the 前払金保証 behind it and the orderer's 認定
            "advance_contract_number": application["advance_contract_number"],
            "certified_on": application["interim_certified_on"].isoformat(),
        }
    return snapshot


def amended_snapshot(
    previous: dict[str, Any], changes: dict[str, Any], *, issued_on: date, reason: str
) -> dict[str, Any]:
    """The next version: requested values applied, and the list of what changed."""
    snapshot = {key: (dict(value) if isinstance(value, dict) else value) for key, value in previous.items()}
    listed = []
    for field, new_value in changes.items():
        label, (section, key) = AMENDABLE[field]
        old_value = previous[section][key]
        encoded = new_value.isoformat() if isinstance(new_value, date) else new_value
        if encoded == old_value:
            continue
        snapshot[section][key] = encoded
        if field == "period_end":
            snapshot["project"]["period_end"] = encoded  # 保証期限 = end of 工期
        listed.append({"field": field, "label": label, "before": old_value, "after": encoded})
    snapshot["version"] = previous["version"] + 1
    snapshot["issued_on"] = issued_on.isoformat()
    snapshot["changes"] = listed
    snapshot["change_reason"] = reason
    return snapshot


def status_of(*, cancelled: bool, period_end: date, today: date) -> str:
    """有効 / 解約 / 期限満了: expiry is derived from 保証期限, never stored."""
    if cancelled:
        return "cancelled"
    return "expired" if today > period_end else "valid"
