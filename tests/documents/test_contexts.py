"""Context shapes: what the lifecycle code must pass to render_pdf."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from backend.documents import KINDS, ContextError, parse_context
from backend.documents.contexts import SAMPLES, sample_certificate, sample_fee_adjustment


@pytest.mark.parametrize("kind", KINDS)
def test_samples_parse(kind: str) -> None:
    parsed = parse_context(kind, SAMPLES[kind]())
    # round trip: dates back to ISO strings, nothing lost
    assert msgspec.to_builtins(parsed)


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_key_is_refused(kind: str) -> None:
    context = SAMPLES[kind]()
    context["surprise"] = 1
    with pytest.raises(ContextError, match="surprise"):
        parse_context(kind, context)


@pytest.mark.parametrize("kind", KINDS)
def test_missing_key_is_refused(kind: str) -> None:
    context = SAMPLES[kind]()
    key = next(iter(context))
    del context[key]
    with pytest.raises(ContextError, match=key):
        parse_context(kind, context)


def test_unknown_kind() -> None:
    with pytest.raises(ContextError, match="unknown document kind"):
        parse_context("invoice", {})


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ContextError, match="auth_key"):
        parse_context("auth-key-notice", {**SAMPLES["auth-key-notice"](), "auth_key": "short"})
    with pytest.raises(ContextError, match="issued_on"):
        parse_context("auth-key-notice", {**SAMPLES["auth-key-notice"](), "issued_on": "2025/10/15"})
    bad = sample_certificate()
    bad["snapshot"]["guarantee"]["amount"] = -1
    with pytest.raises(ContextError, match=r"snapshot.guarantee.amount"):
        parse_context("certificate", bad)
    with pytest.raises(ContextError, match="digest"):
        parse_context("certificate", {**sample_certificate(), "digest": "xyz"})


def test_snapshot_may_carry_more_than_the_printout_shows() -> None:
    context = sample_certificate()
    context["snapshot"]["delivery"] = "electronic"
    context["snapshot"]["project"]["bid_announced_on"] = "2025-10-01"
    parsed = parse_context("certificate", context)
    assert parsed.snapshot.project.contract_date == date(2025, 10, 10)


def test_optional_keys() -> None:
    context = sample_certificate()
    context["snapshot"]["project"]["orderer_project_number"] = None
    del context["snapshot"]["changes"]
    del context["snapshot"]["change_reason"]
    parsed = parse_context("certificate", context)
    assert parsed.snapshot.changes == [] and parsed.snapshot.change_reason is None
    statement = SAMPLES["fee-statement"]()
    del statement["sample_data"]
    assert parse_context("fee-statement", statement).sample_data is False


def test_fee_adjustment_accepts_amount_for_guarantee_amount() -> None:
    context = sample_fee_adjustment("refund")
    context["before"] = {"amount": 20_000_000, "period_end": "2026-03-31"}
    parsed = parse_context("fee-adjustment", context)
    assert parsed.before.guarantee_amount == 20_000_000
