"""Every error answer in the OpenAPI document is one :class:`~backend.lib.errors.ErrorBody`.

Litestar documents only its own 400 (``{status_code, detail, extra}``, not what we send). After
the schema is built, every operation's 4xx/5xx answers point at the shared ``ErrorBody``
component, whose description lists the codes; guarded operations list 401/403, operations with
path parameters 404, and the ranges ``4XX``/``5XX`` cover the rest (409, 413, 429, 503 …).
"""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Reference, Schema

from backend.lib.errors import CODES, ErrorBody

REF = "#/components/schemas/{name}"


def code_table() -> str:
    return "\n".join(f"- `{code}`: {meaning}" for code, meaning in CODES.items())


def _error_response(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={"application/json": OpenAPIMediaType(schema=Reference(ref=REF.format(name="ErrorBody")))},
    )


def _components() -> dict[str, Schema]:
    _, components = msgspec.json.schema_components([ErrorBody], ref_template=REF)
    components["ErrorBody"]["description"] = (
        "すべての4xx/5xx応答の本文。`code` は機械向けの安定した語、`detail` は日本語の説明、"
        "`errors` は400で失敗した項目のすべて。\n\ncode の一覧:\n" + code_table()
    )
    components["ErrorBody"]["properties"]["code"]["description"] = "エラーの種類（一覧は ErrorBody の説明）"
    return {name: Schema(**_schema_kwargs(schema)) for name, schema in components.items()}


def _schema_kwargs(schema: dict) -> dict:
    """msgspec's JSON Schema dict as Litestar Schema keyword arguments."""
    kwargs = {key: value for key, value in schema.items() if key not in ("$ref", "properties", "items")}
    if "properties" in schema:
        kwargs["properties"] = {name: _property(value) for name, value in schema["properties"].items()}
    return kwargs


def _property(value: dict) -> Schema | Reference:
    if "$ref" in value:
        return Reference(ref=value["$ref"])
    kwargs = dict(value)
    if "items" in kwargs:
        kwargs["items"] = _property(kwargs["items"])
    if "anyOf" in kwargs:
        kwargs["any_of"] = [_property(item) for item in kwargs.pop("anyOf")]
    return Schema(**kwargs)


ERROR_DESCRIPTIONS = {
    "400": "入力内容の誤り（code: validation ほか。errors に失敗した項目のすべて）",
    "401": "ログインが必要（code: unauthorized）",
    "403": "権限がない（code: forbidden）",
    "404": "見つからない（code: not_found ほか）",
    "4XX": "その他の誤り（conflict, throttled, payload_too_large など。ErrorBody の説明を参照）",
    "5XX": "サーバー側の問題（internal, unavailable）",
}


def _documents_a_page(response: OpenAPIResponse | Reference | None) -> bool:
    content = getattr(response, "content", None) or {}
    return bool(content) and not any("json" in media_type for media_type in content)


def error_answers(descriptions: dict[int, str]) -> dict[int, ResponseSpec]:
    """A route's own error answers (``responses=``), each an ``ErrorBody`` with its description:
    the statuses beyond what guards and path parameters imply (a refusal's 404, a 429, a 503)."""
    return {status: ResponseSpec(ErrorBody, description=text, generate_examples=False)
            for status, text in descriptions.items()}


def _route_description(response: OpenAPIResponse | Reference | None) -> str | None:
    """The description a route gave with :func:`error_answers` (its JSON body is ``ErrorBody``)."""
    content = getattr(response, "content", None) or {}
    media = content.get("application/json")
    schema = getattr(media, "schema", None)
    return response.description if getattr(schema, "ref", "").endswith("/ErrorBody") else None


def document_errors(app: Litestar) -> None:
    """Point every error answer of ``app``'s schema at ``ErrorBody`` (called once in ``create_app``)."""
    openapi = app.openapi_schema
    openapi.components.schemas.update(_components())
    guarded = {
        (route.path_format, method.lower())
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if handler.resolve_guards()
        for method in handler.http_methods
    }
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            wanted = [code for code in responses if code[0] in "45"] + ["4XX", "5XX"]
            if (path, method) in guarded:
                wanted += ["401", "403"]
            if "{" in path:
                wanted.append("404")
            for code in wanted:
                if _documents_a_page(responses.get(code)):
                    continue  # an HTML answer the route documents itself (a page opened from a mail link)
                description = _route_description(responses.get(code))
                responses[code] = _error_response(description or ERROR_DESCRIPTIONS.get(code, ERROR_DESCRIPTIONS["4XX"]))
            operation.responses = dict(sorted(responses.items()))
