"""The publication worker: builds each pending certificate's publication and delivers it.

A publication is the certificate's whole state (every signed version with its JWS, the
status, the sealed key verifier), signed by the issuer's Ed25519 key, at the revision of
its newest pending outbox row. So pending rows of one number coalesce into one delivery,
and a delivery after an outage carries everything that happened meanwhile. D-Sure applies
a revision once (idempotent per issuer, number and revision): a redelivery after a crash
between D-Sure's commit and ours changes nothing.

Delivery is one code path: ``HOSHO_DSURE_URL`` set, an HTTP POST to that D-Sure's
``/api/dsure/publications``; unset, the embedded D-Sure's ``registry.accept`` called in
process (the function that route calls), after making sure the local issuer and its key
are registered. A failed delivery waits ``2^attempts`` seconds (at most 10 minutes) and is
tried again, for ever: D-Sure down for a day loses nothing. While D-Sure is unreachable the
worker probes its ``/api/health`` at each poll, and when it answers again everything that
waited is due at once (a restarted D-Sure catches up in seconds, not at the end of a backoff).

The 認証キー never leaves in clear and never rests in the outbox: the worker decrypts it
from e-Net's own store at delivery time, hashes it to a verifier bound to the number, and
seals that to D-Sure's X25519 key (``backend.domain.sealing``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx

from backend import db
from backend.certificates import events
from backend.certificates.tables import AuthKey, Certificate, CertificateVersion
from backend.domain import jws, keys, sealing, signing
from backend.lib import clock, keyring
from backend.lib.clock import JST
from backend.publication.schemas import PublicationBacklog
from backend.publication.tables import PublicationOutbox
from backend.settings import get_settings

log = logging.getLogger("hosho.publication")

POLL_SECONDS = 2.0
BATCH = 200
BACKOFF_CAP = timedelta(minutes=10)
HTTP_TIMEOUT_SECONDS = 10.0
PROBE_TIMEOUT_SECONDS = 2.0
PUBLICATION_TYPE = "hosho-publication+jws"


class DeliveryFailed(Exception):
    pass


# --- the outbox ---------------------------------------------------------------------------------


@events.on_certificate_event
async def _enqueue(event: str, contract_number: str, details: dict) -> None:
    """In the change's transaction: the publication commits with the change."""
    if event not in ("concluded", "amended", "cancelled", "key_reissued"):
        return
    kept = {"reason": details["reason"]} if event == "cancelled" and "reason" in details else {}
    now = clock.now()
    await PublicationOutbox.insert(
        PublicationOutbox(
            contract_number=contract_number, event=event, details=json.dumps(kept, ensure_ascii=False),
            status="pending", attempts=0, next_attempt_at=now, created_at=now,
        )
    )


async def backlog() -> PublicationBacklog:
    """What has not reached D-Sure yet, read from the outbox alone (so it answers while D-Sure is down)."""
    pending = PublicationOutbox.status == "pending"
    oldest = await (PublicationOutbox.select(PublicationOutbox.created_at)
                    .where(pending).order_by(PublicationOutbox.id).first())
    failed = await (PublicationOutbox.select(PublicationOutbox.last_error)
                    .where(pending & PublicationOutbox.last_error.is_not_null())
                    .order_by(PublicationOutbox.id, ascending=False).first())
    return PublicationBacklog(
        pending=await PublicationOutbox.count().where(pending),
        oldest_pending_at=oldest and oldest["created_at"],
        last_error=failed and failed["last_error"],
    )


async def backfill() -> int:
    """Queue every electronic certificate never published (data from before the outbox existed)."""
    now = clock.now()
    rows = await db.get_engine().run_ddl(
        "SELECT c.contract_number FROM certificate c WHERE c.delivery = 'electronic' "
        "AND NOT EXISTS (SELECT 1 FROM publication_outbox o WHERE o.contract_number = c.contract_number) "
        "ORDER BY c.id"
    )
    if rows:
        await db.insert_rows(
            "publication_outbox",
            ("contract_number", "event", "details", "status", "attempts", "next_attempt_at", "created_at"),
            [(row["contract_number"], "published", "{}", "pending", 0, now, now) for row in rows],
        )
    return len(rows)


# --- building a publication ---------------------------------------------------------------------


async def _cancel_reason(number: str) -> str | None:
    row = (
        await PublicationOutbox.select(PublicationOutbox.details)
        .where((PublicationOutbox.contract_number == number) & (PublicationOutbox.event == "cancelled"))
        .order_by(PublicationOutbox.id, ascending=False)
        .first()
    )
    return json.loads(row["details"] or "{}").get("reason") if row else None


def _cancelled_on(certificate: dict) -> str | None:
    """解約日: the day the cancellation names (a change request's, or staff's), else the day it was made."""
    cancelled_at = certificate["cancelled_at"]
    if cancelled_at is None:
        return None
    cancel_on = certificate["cancel_on"]
    return str(cancel_on)[:10] if cancel_on is not None else cancelled_at.astimezone(JST).date().isoformat()


async def build(number: str, revision: int, event: str, sealing_key) -> str | None:
    """The signed publication of a certificate's current state; None when it is not on D-Sure (paper)."""
    settings = get_settings()
    certificate = await Certificate.select().where(Certificate.contract_number == number).first()
    if certificate is None or certificate["delivery"] != "electronic":
        return None
    private_key = keyring.signing_key()
    kid = signing.key_id(private_key.public_key())
    versions = await CertificateVersion.select().where(CertificateVersion.certificate == certificate["id"]).order_by(
        CertificateVersion.version
    )
    key_row = await AuthKey.select(AuthKey.key_ciphertext).where(AuthKey.certificate == certificate["id"]).first()
    verifier = None
    if key_row is not None:
        key = keys.decrypt_key(keyring.auth_key_aes_key(), number, key_row["key_ciphertext"])
        verifier = sealing.seal(
            sealing_key, keys.key_verifier(number, key).encode(), f"{settings.issuer_code}:{number}".encode()
        )
    cancelled_at = certificate["cancelled_at"]
    payload = {
        "issuer": settings.issuer_code,
        "contract_number": number,
        "revision": revision,
        "event": event,
        "project_name": certificate["project_name"],
        "orderer_name": certificate["orderer_name"],
        "period_end": str(certificate["period_end"])[:10],
        "versions": [
            {
                "version": version["version"],
                "issued_on": str(version["issued_on"])[:10],
                "content": version["content"],
                "digest": version["digest"],
                "signature": version["signature"],
                "key_id": version["key_id"],
                "certificate_jws": jws.sign(private_key, kid, json.loads(version["content"])),
            }
            for version in versions
        ],
        "cancelled_on": _cancelled_on(certificate),
        "cancel_reason": (certificate["cancel_reason"] or await _cancel_reason(number)) if cancelled_at else None,
        "verifier": verifier,
    }
    return jws.sign(private_key, kid, payload, typ=PUBLICATION_TYPE)


# --- delivering ---------------------------------------------------------------------------------


class Channel:
    """Where publications go: the embedded D-Sure (in process) or a separate one (HTTP)."""

    def __init__(self) -> None:
        self._sealing_key = None
        self._client: httpx.AsyncClient | None = None
        self.unreachable = False  # the last delivery found no D-Sure listening (see ``back_again``)

    @property
    def url(self) -> str | None:
        return get_settings().dsure_url

    async def sealing_key(self):
        if self.url is None:
            from backend.dsure import keys as dsure_keys

            return dsure_keys.sealing_key().public_key()
        if self._sealing_key is None:
            response = await self.http().get(f"{self.url}/api/dsure/public-key")
            if response.status_code != 200:
                raise DeliveryFailed(f"D-Sure public key: HTTP {response.status_code}")
            self._sealing_key = sealing.public_key_from_text(response.json()["sealing_key"])
        return self._sealing_key

    def http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS)
        return self._client

    async def send(self, token: str) -> None:
        if self.url is None:
            from backend.dsure import registry

            await ensure_local_issuer()
            try:
                await registry.accept(token)
            except registry.PublicationRefused as exc:
                raise DeliveryFailed(exc.detail) from exc
            return
        response = await self.http().post(f"{self.url}/api/dsure/publications", json={"publication": token})
        if response.status_code != 200:
            if response.status_code == 403:
                self._sealing_key = None  # D-Sure's keys may have changed: fetch them again
            raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:300]}")

    async def back_again(self) -> bool:
        """After D-Sure was unreachable: True once its health answers again (a cheap probe per
        poll, so a restarted D-Sure gets the waiting publications within seconds rather than
        at the end of their backoff; the backoff still spaces out the publications themselves)."""
        if not self.unreachable or self.url is None:
            return False
        try:
            response = await self.http().get(f"{self.url}/api/health", timeout=PROBE_TIMEOUT_SECONDS)
        except (httpx.HTTPError, OSError):
            return False
        if response.status_code != 200:
            return False
        self.unreachable = False
        return True

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


channel = Channel()


async def ensure_local_issuer() -> None:
    """Embedded D-Sure: the local issuer and its current key are registered (a no-op when they are)."""
    from backend.dsure import registry

    settings = get_settings()
    public_key = keyring.public_key()
    row, _ = await registry.issuer_key(signing.key_id(public_key))
    if row is None or row["issuer_code"] != settings.issuer_code or row["issuer_name"] != settings.surety_name:
        await registry.add_issuer(settings.issuer_code, settings.surety_name, signing.public_key_pem(public_key))


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2 ** min(attempts, 20)), BACKOFF_CAP)


_pass_lock: asyncio.Lock | None = None
_pass_lock_loop = None


def _lock() -> asyncio.Lock:
    global _pass_lock, _pass_lock_loop
    loop = asyncio.get_running_loop()
    if _pass_lock is None or _pass_lock_loop is not loop:
        _pass_lock, _pass_lock_loop = asyncio.Lock(), loop
    return _pass_lock


async def deliver_due() -> int:
    """One pass over what is due; returns publications delivered. One pass at a time per process."""
    async with _lock():
        now = clock.now()
        if await channel.back_again():
            # D-Sure answers again: what waited out an outage is due now.
            await PublicationOutbox.update({PublicationOutbox.next_attempt_at: now}).where(
                (PublicationOutbox.status == "pending") & (PublicationOutbox.next_attempt_at > now)
            )
        rows = await PublicationOutbox.select(
            PublicationOutbox.id, PublicationOutbox.contract_number, PublicationOutbox.event, PublicationOutbox.attempts
        ).where((PublicationOutbox.status == "pending") & (PublicationOutbox.next_attempt_at <= now)).order_by(
            PublicationOutbox.id
        ).limit(BATCH)
        newest: dict[str, dict] = {}
        for row in rows:
            newest[row["contract_number"]] = row  # ordered by id: the last one wins
        delivered = 0
        for number, row in newest.items():
            pending = (PublicationOutbox.contract_number == number) & (PublicationOutbox.status == "pending") & (
                PublicationOutbox.id <= row["id"]
            )
            try:
                token = await build(number, row["id"], row["event"], await channel.sealing_key())
                if token is not None:
                    await channel.send(token)
            except (DeliveryFailed, httpx.HTTPError, OSError) as exc:
                attempts = row["attempts"] + 1
                log.warning("publication: %s revision %d not delivered (attempt %d): %s", number, row["id"], attempts, exc)
                await PublicationOutbox.update(
                    {
                        PublicationOutbox.attempts: attempts,
                        PublicationOutbox.next_attempt_at: clock.now() + _backoff(attempts),
                        PublicationOutbox.last_error: str(exc)[:1000],
                    }
                ).where(pending)
                if isinstance(exc, (httpx.TransportError, OSError)):
                    channel.unreachable = True
                    break  # D-Sure unreachable: the rest wait their turn (or its return, ``back_again``)
                continue
            await PublicationOutbox.update(
                {PublicationOutbox.status: "delivered", PublicationOutbox.delivered_at: clock.now()}
            ).where(pending)
            delivered += 1
        return delivered


@events.after_commit
async def flush() -> None:
    """Right after a change commits: deliver now rather than at the next poll (failures wait for the worker)."""
    try:
        await deliver_due()
    except Exception:
        log.exception("publication: delivery pass failed; the worker retries")


@asynccontextmanager
async def publication_worker() -> AsyncIterator[None]:
    """Register the local issuer (embedded), queue what was never published, deliver until stopped."""
    from backend.dsure import views

    settings = get_settings()
    if settings.dsure_url is None:
        await ensure_local_issuer()
        views.mirror_issuer = settings.issuer_code
    queued = await backfill()
    if queued:
        log.info("publication: %d certificates queued that were never published", queued)
    stop = asyncio.Event()

    async def loop() -> None:
        while True:
            try:
                await deliver_due()
            except Exception:
                log.exception("publication: delivery pass failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)
                return
            except TimeoutError:
                pass

    task = asyncio.create_task(loop(), name="hosho-publication")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=15)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
        await channel.close()
        views.mirror_issuer = None
