"""What the embedded D-Sure tells e-Net about its own certificates: the 受領確認.

Runs inside D-Sure's transaction (same process, same database): the certificate's
``acknowledged_at`` and the mail to the contractor commit with D-Sure's record of it.
Views come back the same way, by the view writer's copy (``backend.dsure.views``).
"""

from __future__ import annotations

from backend.accounts.tables import Company
from backend.certificates.tables import Certificate
from backend.dsure import notices
from backend.lib.clock import JST
from backend.mail import templates as mail_templates
from backend.settings import get_settings


@notices.on_acknowledged
async def record_acknowledgement(event: notices.Acknowledged) -> None:
    settings = get_settings()
    if settings.dsure_url is not None or event.issuer_code != settings.issuer_code:
        return  # not ours, or a separate D-Sure (it does not call us)
    number = event.contract_number
    updated = (
        await Certificate.update({Certificate.acknowledged_at: event.at})
        .where((Certificate.contract_number == number) & Certificate.acknowledged_at.is_null())
        .returning(Certificate.company)
    )
    if not updated:
        return
    company = await Company.select(Company.name, Company.email).where(Company.id == updated[0]["company"]).first()
    if company is None:
        return
    await mail_templates.send(
        "dsure-acknowledged", category="dsure.acknowledged", to=company["email"], related=number,
        company_name=company["name"], contract_number=number, project_name=event.project_name,
        orderer_name=event.orderer_name, acknowledged_at=event.at.astimezone(JST).strftime("%Y年%m月%d日 %H時%M分"),
    )
