"""Seed N real, signed, verifiable certificates fast (benchmarks and drills).

    .venv/bin/python bench/seed.py --data-dir /tmp/hosho-bench --certificates 100000 --companies 100
    .venv/bin/python bench/seed.py --data-dir /tmp/hosho-list --certificates 10000 --companies 1
    HOSHO_DATABASE_URL=postgres://postgres@127.0.0.1:5432/hosho_bench .venv/bin/python bench/seed.py ...

Every row is what a conclusion writes (``backend.certificates.service.conclude``): the
application (status ``concluded``, fee statement, payment), the certificate, version 1
(the same ``first_snapshot`` → canonical JSON → SHA-256 → Ed25519 signature via the
service's ``_signed_version``), the 認証キー (HMAC + AES-GCM via ``_new_auth_key_row``),
numbers from the office's contract sequence (``numbering.contract_number``, the sequence
row bumped once per batch), and a hash-chained ``certificate.concluded`` audit entry per
certificate (``hosho audit verify`` passes), the search document
(``backend.certificates.search``) and the dashboard's counters
(``certificates.issued_counters``, ``backend.stats.counters``). The conclusion mails are not
written (they would only sit in the outbox); ``--mail`` writes them too.

    .venv/bin/python bench/seed.py --cached --certificates 1000000 [--database-url postgres://…]

seeds into a directory (and a PostgreSQL database) named by the schema version and reuses
it while the migrations and this script's revision stay the same (``common.cached_seed``):
the 1,000,000-certificate data set is built once per schema, ~7 minutes on SQLite.

Rows go in with multi-row INSERTs, one transaction per batch; ``--jobs`` worker processes
(default: one per core) build and sign the next batches while this process writes one, so
signing no longer waits for SQLite and the seed uses every core. Keys and the data dir's
secrets are the ones the API will use, so pairs from ``--sample-out`` verify on D-Sure.
Prints the time taken; writes ``seed.json`` (logins, counts, timings) into the data dir.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_LOGIN = "bench-admin"
ADMIN_PASSWORD = "Staff-Passw0rd-2025"
CONTRACTOR_PASSWORD = "Kensetsu-2025-pass"

PLACES = ["鳥取市", "米子市", "倉吉市", "境港市", "岩美町", "智頭町", "八頭町", "三朝町", "湯梨浜町", "琴浦町",
          "北栄町", "大山町", "南部町", "伯耆町", "日南町", "日野町", "江府町", "若桜町"]
WORKS = ["道路改良工事", "橋梁補修工事", "河川護岸工事", "砂防堰堤工事", "舗装修繕工事", "トンネル補修工事",
         "下水道管渠工事", "校舎改築工事", "港湾岸壁改良工事", "法面対策工事"]
ORDERERS = [
    ("tottori-kgc", "鳥取県建設技術センター", "公益財団法人鳥取県建設技術センター理事長", "other"),
    ("tottori-pref", "鳥取県", "鳥取県知事", "prefecture"),
    ("tottori-city", "鳥取市", "鳥取市長", "municipality"),
    ("mlit-chugoku", "国土交通省中国地方整備局", "中国地方整備局長", "national"),
]
KINDS = ["advance", "advance", "advance", "contract", "interim_advance"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="HOSHO_DATA_DIR (created; keys and SQLite live here)")
    parser.add_argument("--cached", action="store_true",
                        help="seed once per schema version into common.SEED_ROOT (or reuse it); prints the data dir")
    parser.add_argument("--database-url", default=None, help="HOSHO_DATABASE_URL (default: SQLite in the data dir)")
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=100, help="certificates are spread round-robin over them")
    parser.add_argument("--batch", type=int, default=500, help="rows per INSERT / transaction")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes signing and building the rows (this process writes them); 1: inline")
    parser.add_argument("--sample-out", default=None, help="write (number, key) pairs here (CSV: number,key)")
    parser.add_argument("--sample-size", type=int, default=2000)
    parser.add_argument("--expired-share", type=float, default=0.1, help="share of certificates past 保証期限")
    parser.add_argument("--adopt", action="store_true",
                        help="only write seed.json and --sample-out for the rows --data-dir holds (a stopped seed)")
    parser.add_argument("--mail", action="store_true", help="also write the conclusion mails into the outbox")
    parser.add_argument("--seed", type=int, default=7, help="random seed for names and amounts")
    return parser.parse_args(argv)


def configure_environment(data_dir: str, database_url: str | None) -> None:
    """Before anything from ``backend`` is imported: settings are read once."""
    os.environ["HOSHO_DATA_DIR"] = str(Path(data_dir).resolve())
    if database_url:
        os.environ["HOSHO_DATABASE_URL"] = database_url
    else:
        os.environ.pop("HOSHO_DATABASE_URL", None)
    os.environ.pop("HOSHO_REDIS_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


# --- fixtures: admin, orderers, companies ----------------------------------------------------


async def ensure_admin() -> None:
    from backend.accounts.service import create_admin
    from backend.accounts.tables import Account

    if not await Account.exists().where(Account.login_id == ADMIN_LOGIN):
        await create_admin(ADMIN_LOGIN, ADMIN_PASSWORD, "ベンチ 管理者")


async def ensure_orderers() -> list[dict]:
    from backend.lib.actor import system_actor
    from backend.orderers import service as orderers
    from backend.orderers.schemas import OrdererCreate
    from backend.orderers.tables import Orderer

    for code, name, title, orderer_class in ORDERERS:
        if not await Orderer.exists().where(Orderer.code == code):
            await orderers.create(
                OrdererCreate(
                    code=code, name=name, title=title, orderer_class=orderer_class,
                    e_guarantee_from=date(2025, 10, 1), submission_email=f"keiyaku@{code}.example.jp",
                    channels=["email"], subject_templates={"advance": "【前払保証】{工事名}", "contract": "【契約保証】{工事名}"},
                ),
                system_actor("bench"),
            )
    return await Orderer.select().where(Orderer.code.is_in([o[0] for o in ORDERERS])).order_by(Orderer.id)


async def ensure_companies(count: int) -> list[dict]:
    """Active contractors with logins (one argon2 hash shared: they all get CONTRACTOR_PASSWORD)."""
    from backend import db
    from backend.accounts.passwords import hash_password
    from backend.accounts.tables import Account, Company
    from backend.lib import clock

    existing = await Company.select().where(Company.email.like("bench-%")).order_by(Company.id)
    if len(existing) >= count:
        return existing[:count]
    from backend.stats import counters

    password_hash = hash_password(CONTRACTOR_PASSWORD)
    async with db.transaction():
        await counters.bump({counters.COMPANY_STATUS + "active": count - len(existing)})
        for index in range(len(existing), count):
            customer_id = f"{90_000_000 + index:08d}"
            company = Company(
                customer_id=customer_id, name=f"ベンチ建設株式会社{index + 1:03d}", representative=f"代表取締役 建設 {index + 1}郎",
                address=f"鳥取県{PLACES[index % len(PLACES)]}東町一丁目{index + 1}番地", phone="0857-20-0000",
                email=f"bench-{index:04d}@kensetsu.example.jp", license_number=f"鳥取県知事許可（特-5）第{index + 1:04d}号",
                status="active", approved_at=clock.now(),
            )
            await company.save()
            await Account.insert(
                Account(login_id=customer_id, role="contractor", password_hash=password_hash,
                        display_name=company.name, company=company.id)
            )
    return await Company.select().where(Company.email.like("bench-%")).order_by(Company.id).limit(count)


# --- the certificates --------------------------------------------------------------------------


async def bulk_insert(table, rows: list) -> list[int]:
    """One multi-row ``INSERT … RETURNING id`` in the open transaction; returns the ids in row order.

    ``rows`` are Piccolo row objects (as the service builds them) or dicts of column values
    (missing columns get the column's default, as a row object would). Piccolo's own
    ``Table.insert(*rows)`` builds a query-string object per value, which costs more than
    everything else the seed does; this sends the same values straight to the driver.
    """
    from piccolo.columns import JSON, JSONB

    from backend import db

    columns = [column for column in table._meta.columns if not column._meta.primary_key]
    json_columns = {index for index, column in enumerate(columns) if isinstance(column, (JSON, JSONB))}
    values: list = []
    for row in rows:
        for index, column in enumerate(columns):
            if isinstance(row, dict):
                name = column._meta.name
                value = row[name] if name in row else column.get_default_value()
            else:
                value = getattr(row, column._meta.name)
            if index in json_columns and not isinstance(value, str):
                value = json.dumps(value, ensure_ascii=False)
            values.append(value)
    names = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
    transaction = db.get_engine().current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk_insert needs an open transaction")
    width = len(columns)
    if db.is_sqlite():
        group = "(" + ", ".join("?" * width) + ")"
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES {", ".join([group] * len(rows))} RETURNING "id"'
        cursor = await transaction.connection.execute(sql, values)
        returned = await cursor.fetchall()
        ids = [row["id"] for row in returned]
    else:
        groups = ", ".join(
            "(" + ", ".join(f"${n * width + i + 1}" for i in range(width)) + ")" for n in range(len(rows))
        )
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES {groups} RETURNING "id"'
        ids = [record["id"] for record in await transaction.connection.fetch(sql, *values)]
    # Ids grow in VALUES order within one statement: sorted, they line up with ``rows``.
    return sorted(ids)


async def reserve_numbers(office_code: str, count: int) -> int:
    """Bump the office's sequence by ``count`` (inside the caller's transaction); returns the first."""
    from backend.certificates.tables import ContractSequence

    await ContractSequence.raw(
        "INSERT INTO contract_sequence (office_code, last_value) VALUES ({}, 0) ON CONFLICT (office_code) DO NOTHING",
        office_code,
    )
    rows = await ContractSequence.raw(
        "UPDATE contract_sequence SET last_value = last_value + {} WHERE office_code = {} RETURNING last_value",
        count, office_code,
    )
    return int(rows[0]["last_value"]) - count + 1


def application_facts(rng: random.Random, index: int, today: date, expired_share: float) -> dict:
    kind = KINDS[index % len(KINDS)]
    contract_amount = rng.randrange(5_000, 500_000) * 1000
    if kind == "advance":
        guarantee_amount = contract_amount * 4 // 10 // 1000 * 1000
    elif kind == "interim_advance":
        guarantee_amount = contract_amount * 2 // 10 // 1000 * 1000
    else:
        guarantee_amount = contract_amount // 10
    expired = rng.random() < expired_share
    start = today - timedelta(days=rng.randrange(400, 800) if expired else rng.randrange(0, 300))
    end = (today - timedelta(days=rng.randrange(1, 60))) if expired else start + timedelta(days=rng.randrange(120, 700))
    if end < today and not expired:
        end = today + timedelta(days=30)
    place = PLACES[index % len(PLACES)]
    works = WORKS[(index // len(PLACES)) % len(WORKS)]
    return {
        "guarantee_type": kind,
        "orderer_project_number": f"R7-{index:06d}",
        "project_name": f"{place}{['県道', '市道', '一級河川', '町道'][index % 4]}第{index % 97 + 1}号{works}",
        "project_location": f"鳥取県{place}地内",
        "contract_amount": contract_amount,
        "advance_amount": guarantee_amount if kind != "contract" else None,
        "guarantee_amount": guarantee_amount,
        "contract_date": start - timedelta(days=1),
        "period_start": start,
        "period_end": end,
        "bid_announced_on": max(date(2025, 10, 1), start - timedelta(days=30)),
        "delivery": "electronic",
        "notes": "",
    }


async def publish_embedded(batch: dict, now) -> None:
    """What the publication worker would put in the embedded D-Sure's tables, written directly
    (the seed skips the worker as it skips the services): certificate, signed version with its
    JWS, re-keyed verifier (both built by ``build_batch``), and the outbox row as delivered."""
    from backend.dsure_store.tables import DsCertificate, DsIssuer, DsVerifier, DsVersion
    from backend.publication.tables import PublicationOutbox
    from backend.settings import get_settings

    issuer_code = get_settings().issuer_code
    issuer_id = (await DsIssuer.select(DsIssuer.id).where(DsIssuer.code == issuer_code).first())["id"]
    rows = batch["certificates"]
    ids = await bulk_insert(DsCertificate, [
        dict(issuer=issuer_id, contract_number=row["contract_number"], revision=0, current_version=1,
             period_end=row["period_end"], project_name=row["project_name"], orderer_name=row["orderer_name"],
             updated_at=now)
        for row in rows
    ])
    await bulk_insert(DsVersion, [
        dict(certificate=ds_id, version=1, issued_on=version["issued_on"], content=version["content"],
             digest=version["digest"], signature=version["signature"], key_id=version["key_id"],
             certificate_jws=certificate_jws)
        for ds_id, version, certificate_jws in zip(ids, batch["versions"], batch["certificate_jws"])
    ])
    await bulk_insert(DsVerifier, [dict(certificate=ds_id, revision=0, verifier=verifier)
                                   for ds_id, verifier in zip(ids, batch["verifiers"])])
    await bulk_insert(PublicationOutbox, [
        dict(contract_number=row["contract_number"], event="concluded", details="{}", status="delivered",
             attempts=1, next_attempt_at=now, created_at=now, delivered_at=now)
        for row in rows
    ])


def row_values(row) -> dict:
    """A Piccolo row object's column values (what crosses from a worker process to the writer)."""
    return {column._meta.name: getattr(row, column._meta.name) for column in row._meta.columns
            if not column._meta.primary_key}


def build_batch(start_index: int, size: int, first_sequence: int, companies: list[dict], orderers: list[dict],
                expired_share: float, seed: int) -> dict:
    """The CPU half of ``size`` conclusions, no database: facts, fee statements, snapshots, the
    signed versions (``_signed_version``), the 認証キー (``_new_auth_key_row``), search documents
    and counters. Certificate ids are filled in by ``write_batch`` (neither the signature nor
    the key depends on them). Runs in a worker process (``--jobs``) or inline."""
    from backend.applications.service import fee_quote_for, statement_of
    from backend.certificates import search
    from backend.certificates import service as certificates
    from backend.domain import numbering
    from backend.domain import jws, keys, signing
    from backend.domain.certificate import first_snapshot
    from backend.dsure import keys as dsure_keys
    from backend.lib import clock, keyring
    from backend.settings import get_settings
    from backend.stats import counters

    import msgspec

    settings = get_settings()
    rng = random.Random(seed * 1_000_003 + start_index)  # per batch: the same rows whichever worker builds it
    today = clock.today_jst()
    now = clock.now()
    applications, rows, snapshots, versions, key_rows, pairs, texts, contractors = [], [], [], [], [], [], [], []
    certificate_jws, verifiers = [], []
    private_key = keyring.signing_key()
    kid = signing.key_id(private_key.public_key())
    verifier_secret = dsure_keys.verifier_secret()
    for offset in range(size):
        index = start_index + offset
        company = companies[index % len(companies)]
        orderer = orderers[index % len(orderers)]
        number = numbering.contract_number(settings.office_code, first_sequence + offset)
        app = application_facts(rng, index, today, expired_share)
        quote = fee_quote_for({**app, "orderer_class": orderer["orderer_class"]})
        statement = statement_of({**app, "id": 0}, quote, app["contract_date"])
        applications.append(
            dict(
                company=company["id"], orderer=orderer["id"], **app, status="concluded", created_at=now,
                updated_at=now, fee=quote.fee,
                fee_statement=json.dumps(msgspec.to_builtins(statement), ensure_ascii=False),
                fee_notified_at=now, paid_on=app["contract_date"], paid_amount=quote.fee,
                receipt_number=None, concluded_at=now, contract_number=number,
            )
        )
        snapshot = first_snapshot(
            contract_number=number,
            issued_on=app["contract_date"],  # concluded on the contract date: issuance spread over the months
            surety=certificates.surety_of(settings),
            contractor={"company_name": company["name"], "representative": company["representative"],
                        "address": company["address"], "license_number": company["license_number"]},
            orderer={"code": orderer["code"], "name": orderer["name"], "title": orderer["title"]},
            application=app,
            guarantee_amount=app["guarantee_amount"],
        )
        snapshots.append(snapshot)
        contractors.append(company)
        row = dict(
            contract_number=number, company=company["id"], orderer=orderer["id"],
            guarantee_type=app["guarantee_type"], delivery="electronic", project_name=app["project_name"],
            orderer_name=orderer["name"], guarantee_amount=app["guarantee_amount"], period_end=app["period_end"],
            current_version=1, issued_on=date.fromisoformat(snapshot["issued_on"]), created_at=now,
        )
        rows.append(row)
        versions.append(row_values(certificates._signed_version(0, snapshot)))
        key, key_row = certificates._new_auth_key_row(0, number)
        key_rows.append(row_values(key_row))
        pairs.append((number, key))
        texts.append(search.document(row["project_name"], row["orderer_name"], company["name"]))
        # The embedded D-Sure's copy (publish_embedded): the version's JWS and the re-keyed verifier.
        certificate_jws.append(jws.sign(private_key, kid, json.loads(versions[-1]["content"])))
        verifiers.append(keys.rekeyed_verifier(verifier_secret, settings.issuer_code, number,
                                               keys.key_verifier(number, key)))
    issued = counters.merge(
        {counters.APPLICATION_STATUS + "concluded": size},
        *[certificates.issued_counters(row["issued_on"], row["guarantee_type"], row["period_end"]) for row in rows],
    )
    return {"applications": applications, "certificates": rows, "snapshots": snapshots, "versions": versions,
            "keys": key_rows, "pairs": pairs, "texts": texts, "counters": issued, "contractors": contractors,
            "certificate_jws": certificate_jws, "verifiers": verifiers}


async def write_batch(batch: dict, with_mail: bool) -> None:
    """One transaction: the batch's applications → certificates → versions → keys → search → counters → audit (→ mail)."""
    from backend import db
    from backend.applications.tables import Application
    from backend.audit.chain import GENESIS_HASH, entry_hash
    from backend.audit.service import _timestamp
    from backend.audit.tables import AuditEntry
    from backend.certificates import search
    from backend.certificates import service as certificates
    from backend.certificates.tables import AuthKey, Certificate, CertificateVersion
    from backend.lib import clock
    from backend.stats import counters

    async with db.transaction():
        application_ids = await bulk_insert(Application, batch["applications"])
        # The receipt number record_payment writes: R + the application id in 8 digits.
        padded = "printf('R%08d', id)" if db.is_sqlite() else "'R' || lpad(id::text, 8, '0')"
        await Application.raw(
            f"UPDATE application SET receipt_number = {padded} WHERE id >= {{}} AND id <= {{}}",
            min(application_ids), max(application_ids),
        )
        rows = [{**row, "application": application_id}
                for row, application_id in zip(batch["certificates"], application_ids)]
        certificate_ids = await bulk_insert(Certificate, rows)
        await bulk_insert(CertificateVersion, [{**version, "certificate": certificate_id}
                                               for version, certificate_id in zip(batch["versions"], certificate_ids)])
        await bulk_insert(AuthKey, [{**key, "certificate": certificate_id}
                                    for key, certificate_id in zip(batch["keys"], certificate_ids)])
        await publish_embedded(batch, clock.now())
        # What conclude() adds beside the rows: the search documents and the dashboard's counters.
        await search.index(list(zip(certificate_ids, batch["texts"])))
        await counters.bump(batch["counters"])
        # The audit chain, as audit.record would append it (one entry per conclusion).
        await db.advisory_lock("audit_chain")
        last = await AuditEntry.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq, ascending=False).first()
        seq, prev_hash = (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)
        entries = []
        for application_id, version, row in zip(application_ids, batch["versions"], rows):
            seq += 1
            at = clock.now()
            entry = {
                "seq": seq, "at": _timestamp(at), "action": "certificate.concluded", "actor": ADMIN_LOGIN,
                "target": row["contract_number"], "address": "127.0.0.1",
                "details": json.dumps({"application_id": application_id, "digest": version["digest"]},
                                      ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            }
            digest = entry_hash(prev_hash, entry)
            entries.append({**entry, "at": at, "prev_hash": prev_hash, "hash": digest})
            prev_hash = digest
        await bulk_insert(AuditEntry, entries)
        if with_mail:
            # The real conclusion mails (outbox row + its audit entry), through the service: slow, opt-in.
            for company, snapshot in zip(batch["contractors"], batch["snapshots"]):
                await certificates._mail_conclusion(company, snapshot, "electronic")


async def reserve_batch_numbers(office_code: str, count: int) -> int:
    """The batch's numbers, reserved in a transaction of their own before the batch is built."""
    from backend import db

    async with db.transaction():
        return await reserve_numbers(office_code, count)


async def run(args: argparse.Namespace) -> dict:
    from backend.db import database_lifespan, get_engine, migrate
    from backend.settings import get_settings

    from backend.dsure import keys as dsure_keys
    from backend.lib import keyring
    from backend.publication import worker as publication

    settings = get_settings()
    started = time.perf_counter()
    async with database_lifespan():
        await migrate()
        await ensure_admin()
        orderers = await ensure_orderers()
        companies = await ensure_companies(args.companies)
        prepared = time.perf_counter()
        from backend.certificates.tables import Certificate

        before = await Certificate.count()
        sample: list[tuple[str, str]] = []
        seen = 0
        reservoir = random.Random(args.seed + 1)
        keyring.signing_key(), keyring.auth_key_mac_secret(), keyring.auth_key_aes_key()  # before any worker
        dsure_keys.verifier_secret()
        await publication.ensure_local_issuer()  # the embedded D-Sure's issuer row (publish_embedded)
        pool = None
        if args.jobs > 1:
            # spawn, not fork: this process has the database's threads running
            pool = ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=configure_environment, initargs=(args.data_dir, args.database_url))
        loop = asyncio.get_running_loop()
        pending: deque[asyncio.Future] = deque()
        submitted = done = 0
        last_report = time.perf_counter()
        try:
            while done < args.certificates:
                # Keep the workers busy building the next batches while this process writes one.
                while submitted < args.certificates and len(pending) < max(1, 2 * args.jobs):
                    size = min(args.batch, args.certificates - submitted)
                    first_sequence = await reserve_batch_numbers(settings.office_code, size)
                    build = (before + submitted, size, first_sequence, companies, orderers, args.expired_share,
                             args.seed)
                    if pool is None:
                        future = loop.create_future()
                        future.set_result(build_batch(*build))
                    else:
                        future = loop.run_in_executor(pool, build_batch, *build)
                    pending.append(future)
                    submitted += size
                batch = await pending.popleft()
                await write_batch(batch, args.mail)
                # Reservoir sample: pairs from across the whole range, never all of them in memory.
                for pair in batch["pairs"]:
                    seen += 1
                    if len(sample) < args.sample_size:
                        sample.append(pair)
                    else:
                        slot = reservoir.randrange(seen)
                        if slot < args.sample_size:
                            sample[slot] = pair
                done += len(batch["pairs"])
                if time.perf_counter() - last_report > 5:
                    rate = done / (time.perf_counter() - prepared)
                    print(f"  {done:,}/{args.certificates:,} certificates ({rate:,.0f}/s)", file=sys.stderr,
                          flush=True)
                    last_report = time.perf_counter()
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        total = await Certificate.count()
        await get_engine().run_ddl("ANALYZE;")  # fresh planner statistics, as a live database has
    finished = time.perf_counter()
    seconds = finished - prepared
    return write_manifest(settings, args, total, companies, sample, {
        "certificates_added": args.certificates,
        "seconds": round(seconds, 2),
        "per_second": round(args.certificates / seconds, 1) if seconds else None,
        "setup_seconds": round(prepared - started, 2),
    })


def write_manifest(settings, args: argparse.Namespace, total: int, companies: list[dict],
                   sample: list[tuple[str, str]], timings: dict) -> dict:
    """seed.json (logins, counts, timings) and the (number, key) sample for --sample-out."""
    if args.sample_out:
        out = Path(args.sample_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(f"{number},{key}\n" for number, key in sample), encoding="utf-8")
    manifest = {
        "database": "sqlite" if settings.is_sqlite else "postgres",
        "database_url": settings.database_url if settings.is_sqlite else settings.database_url.split("@")[-1],
        "data_dir": str(settings.data_dir),
        **timings,
        "certificates_total": total,
        "companies": [c["customer_id"] for c in companies],
        "contractor_password": CONTRACTOR_PASSWORD,
        "admin_login": ADMIN_LOGIN,
        "admin_password": ADMIN_PASSWORD,
        "sample_out": str(Path(args.sample_out).resolve()) if args.sample_out else None,
    }
    (settings.data_dir / "seed.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


async def adopt(args: argparse.Namespace) -> dict:
    """seed.json and a pairs sample for a data dir whose seed was stopped before its end.

    Every batch is one transaction, so what the database holds is whole; the sample's keys
    are decrypted from their rows (``keys.decrypt_key``), as the contractor's page shows them.
    """
    from backend.accounts.tables import Company
    from backend.certificates.tables import Certificate
    from backend.db import database_lifespan, get_engine
    from backend.domain import keys
    from backend.lib import keyring
    from backend.settings import get_settings

    settings = get_settings()
    async with database_lifespan():
        total = await Certificate.count()
        companies = await Company.select().where(Company.email.like("bench-%")).order_by(Company.id)
        rows = await Certificate.raw(
            "SELECT c.contract_number, k.key_ciphertext FROM certificate c JOIN auth_key k ON k.certificate = c.id "
            "ORDER BY random() LIMIT {}", args.sample_size,
        )
        await get_engine().run_ddl("ANALYZE;")
    secret = keyring.auth_key_aes_key()
    sample = [(row["contract_number"], keys.decrypt_key(secret, row["contract_number"], row["key_ciphertext"]))
              for row in rows]
    return write_manifest(settings, args, total, companies, sample, {"adopted": True})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cached:
        sys.path.insert(0, str(ROOT / "bench"))
        import common

        manifest = common.cached_seed(args.certificates, args.companies, postgres_url=args.database_url,
                                      sample_size=args.sample_size, jobs=args.jobs)
        print(manifest["data_dir"])
        return 0
    if not args.data_dir:
        raise SystemExit("--data-dir or --cached is needed")
    configure_environment(args.data_dir, args.database_url)
    if args.adopt:
        manifest = asyncio.run(adopt(args))
        print(f"adopted {manifest['certificates_total']:,} certificates in {args.data_dir}")
        return 0
    # SIGTERM (a stopped bench) unwinds: the worker processes are shut down, not left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    manifest = asyncio.run(run(args))
    print(
        f"seeded {manifest['certificates_added']:,} certificates in {manifest['seconds']:.1f} s "
        f"({manifest['per_second']:,.0f}/s; {manifest['certificates_total']:,} in the database, "
        f"{len(manifest['companies'])} companies, {manifest['database']})"
    )
    if manifest["sample_out"]:
        print(f"sample (number,key) pairs: {manifest['sample_out']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
