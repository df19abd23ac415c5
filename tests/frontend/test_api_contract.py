"""The UI's copy of the API contract (frontend/api.py) against the API's own OpenAPI document.

The document comes from the app built in process (``/api/schema/openapi.json``), so a
field renamed, retyped, made optional or made nullable on either side fails here instead
of showing a believable default (有効, 申込受付) in the UI. The rules, per response struct:

- every field the client reads exists in the API's schema, under the same name;
- every JSON type the API may send for it is one the client decodes, and null only where the API sends it;
- a field the API always sends has no default in the client, and one it may leave out has one;
- every path the client calls exists with that method.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import msgspec
import pytest

from frontend import api as client

# Which API response each client struct decodes: (struct, method, path). A struct reached only
# through another one's field (User in LoginResult, …) is checked there.
RESPONSES: list[tuple[type[msgspec.Struct], str, str]] = [
    (client.Health, "get", "/api/health"),
    (client.LoginResult, "post", "/api/auth/login"),
    (client.Me, "get", "/api/auth/me"),
    (client.TotpSetup, "post", "/api/auth/totp"),
    (client.TotpConfirmed, "post", "/api/auth/totp/confirm"),
    (client.PasswordPolicy, "get", "/api/auth/password-policy"),
    (client.Accepted, "post", "/api/auth/password-reset"),
    (client.Accepted, "post", "/api/auth/forgot-id"),
    (client.RegisterResult, "post", "/api/auth/register"),
    (client.Company, "get", "/api/admin/companies"),
    (client.Company, "post", "/api/admin/companies/{customer_id}/approve"),
    (client.Company, "post", "/api/admin/companies/{customer_id}/reject"),
    (client.Company, "post", "/api/admin/companies/{customer_id}/suspend"),
    (client.Company, "post", "/api/admin/companies/{customer_id}/resume"),
    (client.Orderer, "get", "/api/orderers"),
    (client.Orderer, "get", "/api/admin/orderers"),
    (client.Orderer, "post", "/api/admin/orderers"),
    (client.Orderer, "patch", "/api/admin/orderers/{code}"),
    (client.Application, "get", "/api/applications"),
    (client.Application, "post", "/api/applications"),
    (client.Application, "get", "/api/applications/{application_id}"),
    (client.Application, "post", "/api/applications/{application_id}/withdraw"),
    (client.Application, "get", "/api/admin/applications"),
    (client.CertificatePage, "get", "/api/certificates"),
    (client.CertificatePage, "get", "/api/admin/certificates"),
    (client.CertificateDetail, "get", "/api/certificates/{number}"),
    (client.AuthKey, "get", "/api/certificates/{number}/auth-key"),
    (client.AuthKey, "post", "/api/certificates/{number}/reissue-key"),
    (client.AuthKey, "post", "/api/admin/certificates/{number}/reissue-key"),
    (client.SendResult, "post", "/api/certificates/{number}/send-to-orderer"),
    (client.SendPreview, "get", "/api/certificates/{number}/send-to-orderer/preview"),
    (client.ChangeRequest, "get", "/api/certificates/{number}/change-requests"),
    (client.ChangeRequest, "post", "/api/certificates/{number}/change-requests"),
    (client.ChangeRequest, "get", "/api/admin/change-requests"),
    (client.ChangeRequest, "post", "/api/admin/change-requests/{request_id}/payment"),
    (client.ChangeRequest, "post", "/api/admin/change-requests/{request_id}/reject"),
    (client.ChangeFeeNotice, "post", "/api/admin/change-requests/{request_id}/fee-notice"),
    (client.ChangeConclusion, "post", "/api/admin/change-requests/{request_id}/conclude"),
    (client.Verification, "post", "/api/dsure/verify"),
    (client.Acknowledgement, "post", "/api/dsure/acknowledge"),
    (client.Subscription, "post", "/api/dsure/subscribe"),
    (client.FeeNotice, "post", "/api/admin/applications/{application_id}/fee-notice"),
    (client.Conclusion, "post", "/api/admin/applications/{application_id}/conclude"),
    (client.Adjustment, "post", "/api/admin/certificates/{number}/amend"),
    (client.Adjustment, "post", "/api/admin/certificates/{number}/cancel"),
    (client.DsureStats, "get", "/api/admin/dsure/stats"),
    (client.PublicationBacklog, "get", "/api/admin/dsure/publications"),
    (client.LockReleased, "post", "/api/admin/dsure/locks/{number}/release"),
    (client.Stats, "get", "/api/admin/stats"),
    (client.MailItem, "get", "/api/admin/mail"),
    (client.MailItem, "post", "/api/admin/mail/{mail_id}/retry"),
    (client.AuditEntry, "get", "/api/admin/audit"),
    (client.ChainReport, "get", "/api/admin/audit/verify"),
]


@pytest.fixture(scope="module")
async def openapi(app) -> dict[str, Any]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/api/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


class Contract:
    """Walks a client struct beside the API's schema and lists every disagreement."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.schemas = document["components"]["schemas"]
        self.problems: list[str] = []
        self.seen: set[type] = set()

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def alternatives(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The schema's variants: ``oneOf``/``anyOf`` flattened, ``type: [a, b]`` split."""
        schema = self.resolve(schema)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return [variant for option in schema[key] for variant in self.alternatives(option)]
        kinds = schema.get("type")
        if isinstance(kinds, list):
            return [{**schema, "type": kind} for kind in kinds]
        return [schema]

    def check_struct(self, struct: type[msgspec.Struct], schema: dict[str, Any], where: str) -> None:
        self.seen.add(struct)
        schema = self.resolve(schema)
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        for info in msgspec.structs.fields(struct):
            name, here = info.encode_name, f"{where}.{info.encode_name}"
            if name not in properties:
                self.problems.append(f"{here}: the API has no such field (has {sorted(properties)})")
                continue
            if name in required and not info.required:
                self.problems.append(f"{here}: the API always sends it, the client has a default")
            if name not in required and info.required:
                self.problems.append(f"{here}: the API may leave it out, the client requires it")
            self.check_value(info.type, properties[name], here)

    def check_value(self, annotation: Any, schema: dict[str, Any], where: str) -> None:
        """Every variant the API may send must be one the client's annotation decodes."""
        accepted = _members(annotation)
        if any(member is Any for member in accepted):
            return
        variants = self.alternatives(schema)
        if type(None) in accepted and all(variant.get("type") != "null" for variant in variants):
            self.problems.append(f"{where}: the client allows null, the API never sends it")
        for variant in variants:
            kind = variant.get("type")
            if kind is None:
                self.problems.append(f"{where}: the API's schema has no type ({variant})")
                continue
            matches = [member for member in accepted if kind in _json_types(member)]
            if not matches:
                self.problems.append(f"{where}: the API sends {kind}, the client takes {annotation}")
                continue
            self.check_detail(matches[0], variant, where)

    def check_detail(self, member: Any, variant: dict[str, Any], where: str) -> None:
        origin = typing.get_origin(member)
        if origin is Literal and "enum" in variant:
            unknown = set(variant["enum"]) - set(typing.get_args(member))
            if unknown:
                self.problems.append(f"{where}: the API may send {sorted(unknown)}, the client's Literal lacks them")
        elif isinstance(member, type) and issubclass(member, msgspec.Struct):
            self.check_struct(member, variant, where)
        elif origin is list and "items" in variant:
            self.check_value(typing.get_args(member)[0], variant["items"], f"{where}[]")
        elif origin is dict and isinstance(variant.get("additionalProperties"), dict):
            self.check_value(typing.get_args(member)[1], variant["additionalProperties"], f"{where}{{}}")
        elif member in (datetime.date, datetime.datetime):
            wanted = "date" if member is datetime.date else "date-time"
            if variant.get("format") != wanted:
                self.problems.append(f"{where}: the API's format is {variant.get('format')}, the client reads {wanted}")


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [member for part in typing.get_args(annotation) for member in _members(part)]
    return [annotation]


def _json_types(member: Any) -> set[str]:
    """The JSON types msgspec decodes into ``member``."""
    origin = typing.get_origin(member)
    if member is type(None):
        return {"null"}
    if origin is Literal:
        return {_json_types(type(value)).pop() for value in typing.get_args(member)}
    if origin is list or member is list:
        return {"array"}
    if origin is dict or member is dict or (isinstance(member, type) and issubclass(member, msgspec.Struct)):
        return {"object"}
    if member is bool:
        return {"boolean"}
    if member is int:
        return {"integer"}
    if member is float:
        return {"number", "integer"}
    if member in (str, datetime.date, datetime.datetime):
        return {"string"}
    raise AssertionError(f"no JSON type known for {member}")


def _response_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation = document["paths"][path][method]
    for status, response in sorted(operation["responses"].items()):
        if status.startswith("2") and "application/json" in response.get("content", {}):
            return response["content"]["application/json"]["schema"]
    raise AssertionError(f"{method.upper()} {path} documents no JSON success response")


def _walk(openapi: dict[str, Any]) -> Contract:
    contract = Contract(openapi)
    for struct, method, path in RESPONSES:
        assert path in openapi["paths"] and method in openapi["paths"][path], f"{method.upper()} {path} is gone"
        schema = contract.resolve(_response_schema(openapi, method, path))
        if schema.get("type") == "array":
            schema = schema["items"]
        contract.check_struct(struct, schema, f"{struct.__name__} ({method.upper()} {path})")
    return contract


def test_every_client_struct_matches_the_api_schema(openapi):
    assert _walk(openapi).problems == []


def test_every_client_struct_is_checked(openapi):
    """A new response struct in frontend/api.py must be listed above (or reached from one that is)."""
    defined = {
        value for value in vars(client).values()
        if isinstance(value, type) and issubclass(value, client._Out) and value is not client._Out
    }
    assert sorted(cls.__name__ for cls in defined - _walk(openapi).seen) == []


# The calls in frontend/api.py: self._json("GET", f"/certificates/{number}", …), self._list("/orderers", …).
_CALL = re.compile(r'self\._(?:json|send|pdf)\(\s*"(\w+)",\s*f?"([^"]+)"|self\._list\(\s*f?"([^"]+)"')


def test_every_path_the_client_calls_exists(openapi):
    source = Path(client.__file__).read_text(encoding="utf-8")
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in openapi["paths"].items()
        for method in operations
    }
    calls = {
        (method or "GET", re.sub(r"\{[^}]+\}", "{}", "/api" + (path or listed)))
        for method, path, listed in _CALL.findall(source)
    }
    assert len(calls) > 30
    assert sorted(calls - documented) == []
