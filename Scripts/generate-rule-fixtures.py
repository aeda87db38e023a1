#!/usr/bin/env python3
"""Writes the audit rule fixtures under Tests/RampartSpecTests/Fixtures.

One clean base description that no rule flags, and for each rule a `positive.yaml`
(the base plus the flaw) and a `negative.yaml` (the nearest variant that is fine).
Run from anywhere: python3 Scripts/generate-rule-fixtures.py
"""
import copy, json, os, yaml

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "RampartSpecTests", "Fixtures"))
R = lambda name: {"$ref": "#/components/responses/" + name}
def ok(desc="OK", schema=None, rate=True):
    r = {"description": desc}
    if rate: r["headers"] = {"RateLimit": {"schema": {"type": "string", "maxLength": 100}},
                             "Access-Control-Allow-Origin": {"schema": {"type": "string", "enum": ["https://app.example.com"]}}}
    if schema: r["content"] = {"application/json": {"schema": schema}}
    return r
base = {
  "openapi": "3.0.3",
  "info": {"title": "Clean API", "version": "1.0.0", "contact": {"name": "API team", "email": "api@example.com", "url": "https://example.com"}},
  "servers": [{"url": "https://api.example.com/v1", "description": "Production"}],
  "security": [{"bearer": []}],
  "paths": {
    "/items": {
      "get": {"operationId": "listItems",
              "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100}}],
              "responses": {"200": ok(schema={"type": "array", "maxItems": 100, "items": {"$ref": "#/components/schemas/Item"}}),
                            "400": R("BadRequest"), "401": R("Unauthorized"), "429": R("TooManyRequests"), "500": R("ServerError")}},
      "post": {"operationId": "createItem",
               "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}}},
               "responses": {"201": ok("Created", {"$ref": "#/components/schemas/Item"}),
                             "400": R("BadRequest"), "401": R("Unauthorized"), "429": R("TooManyRequests"), "500": R("ServerError")}}},
    "/items/{itemId}": {
      "get": {"operationId": "getItem",
              "parameters": [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
              "responses": {"200": ok(schema={"$ref": "#/components/schemas/Item"}),
                            "400": R("BadRequest"), "401": R("Unauthorized"), "404": R("NotFound"), "429": R("TooManyRequests"), "500": R("ServerError")}}}},
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                   "description": "JWS access tokens validated as RFC 8725 recommends (RS256 only, iss and aud checked)."}},
    "responses": {n: {"description": n} for n in ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "ServerError"]} | {
      "TooManyRequests": {"description": "Slow down", "headers": {"Retry-After": {"schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 3600}}}}},
    "schemas": {
      "Item": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9 ]+$"}}},
      "NewItem": {"type": "object", "additionalProperties": False, "required": ["name"],
                  "properties": {"name": {"type": "string", "maxLength": 100, "pattern": "^[A-Za-z0-9 ]+$"}}}}}}

def swagger_base():
    return {"swagger": "2.0", "info": {"title": "Clean v2", "version": "1.0.0", "contact": {"email": "api@example.com"}},
            "host": "api.example.com", "basePath": "/v1", "schemes": ["https"],
            "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
            "security": [{"key": []}],
            "paths": {"/items": {"post": {"operationId": "create", "consumes": ["application/json"],
                       "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/NewItem"}}],
                       "responses": {"201": {"description": "Created", "headers": {"RateLimit": {"type": "string"}, "Access-Control-Allow-Origin": {"type": "string"}}},
                                     "400": {"description": "bad"}, "401": {"description": "no"},
                                     "429": {"description": "slow", "headers": {"Retry-After": {"type": "integer"}}}, "500": {"description": "err"}}}}},
            "definitions": {"NewItem": {"type": "object", "additionalProperties": False, "properties": {"name": {"type": "string", "maxLength": 10, "pattern": "^[a-z]+$"}}}}}

def item_get(d): return d["paths"]["/items/{itemId}"]["get"]
def items_get(d): return d["paths"]["/items"]["get"]
def items_post(d): return d["paths"]["/items"]["post"]
def schemes(d): return d["components"]["securitySchemes"]
def newitem(d): return d["components"]["schemas"]["NewItem"]["properties"]
def item(d): return d["components"]["schemas"]["Item"]["properties"]
def oauth(flow, **urls):
    f = {"scopes": {"items:read": "read"}} | urls
    return {"type": "oauth2", "flows": {flow: f}}

cases = {}
def case(rule, pos, neg=lambda d: None, base_fn=None):
    cases[rule] = (pos, neg, base_fn)

def no_schemes(d):
    del d["components"]["securitySchemes"]; del d["security"]
case("no-security-schemes", no_schemes)
def anon_post(d): items_post(d)["security"] = []
def anon_login(d): anon_post(d); d["paths"]["/login"] = d["paths"].pop("/items")
case("unsecured-write-operation", anon_post, anon_login)
def anon_get_email(d): item_get(d)["security"] = []; item(d)["email"] = {"type": "string", "format": "email"}
def auth_get_email(d): item(d)["email"] = {"type": "string", "format": "email"}
case("unsecured-personal-data", anon_get_email, auth_get_email)
def anon_get(d): item_get(d)["security"] = []
def anon_get_no_schemes(d): anon_get(d); no_schemes(d)
case("unsecured-read-operation", anon_get, anon_get_no_schemes)
case("security-opt-out", anon_get, lambda d: item_get(d).__setitem__("security", [{"bearer": []}]))
case("http-basic-auth", lambda d: schemes(d).__setitem__("basic", {"type": "http", "scheme": "basic"}))
case("insecure-http-auth-scheme", lambda d: schemes(d).__setitem__("digest", {"type": "http", "scheme": "digest"}))
case("api-key-in-query", lambda d: schemes(d).__setitem__("key", {"type": "apiKey", "in": "query", "name": "key"}),
     lambda d: schemes(d).__setitem__("key", {"type": "apiKey", "in": "header", "name": "X-API-Key"}))
case("api-key-in-cookie", lambda d: schemes(d).__setitem__("key", {"type": "apiKey", "in": "cookie", "name": "sid"}),
     lambda d: schemes(d).__setitem__("key", {"type": "apiKey", "in": "header", "name": "X-API-Key"}))
def qparam(name, schema=None):
    return lambda d: items_get(d)["parameters"].append({"name": name, "in": "query", "schema": schema or {"type": "string", "maxLength": 64, "pattern": "^[a-z]+$"}})
case("credentials-in-url", qparam("access_token"), qparam("next_page_token"))
case("oauth2-implicit-flow", lambda d: schemes(d).__setitem__("o", oauth("implicit", authorizationUrl="https://a.example.com/auth")),
     lambda d: schemes(d).__setitem__("o", oauth("authorizationCode", authorizationUrl="https://a.example.com/auth", tokenUrl="https://a.example.com/token", refreshUrl="https://a.example.com/token")))
case("oauth2-password-flow", lambda d: schemes(d).__setitem__("o", oauth("password", tokenUrl="https://a.example.com/token", refreshUrl="https://a.example.com/token")),
     lambda d: schemes(d).__setitem__("o", oauth("clientCredentials", tokenUrl="https://a.example.com/token")))
case("oauth-url-insecure", lambda d: schemes(d).__setitem__("o", oauth("clientCredentials", tokenUrl="http://a.example.com/token")),
     lambda d: schemes(d).__setitem__("o", oauth("clientCredentials", tokenUrl="https://a.example.com/token")))
case("oauth2-no-refresh-url", lambda d: schemes(d).__setitem__("o", oauth("authorizationCode", authorizationUrl="https://a.example.com/auth", tokenUrl="https://a.example.com/token")),
     lambda d: schemes(d).__setitem__("o", oauth("authorizationCode", authorizationUrl="https://a.example.com/auth", tokenUrl="https://a.example.com/token", refreshUrl="https://a.example.com/token")))
case("bearer-without-format", lambda d: schemes(d)["bearer"].pop("bearerFormat"))
case("undefined-security-scheme", lambda d: item_get(d).__setitem__("security", [{"jwt": []}]), lambda d: item_get(d).__setitem__("security", [{"bearer": []}]))
def jwt_undocumented(d): schemes(d)["bearer"]["description"] = "Bearer tokens."
case("jwt-practices-undocumented", jwt_undocumented, lambda d: schemes(d)["bearer"].pop("bearerFormat") and None)
def admin_path(scope):
    def f(d):
        d["paths"]["/admin/users/{itemId}"] = copy.deepcopy(d["paths"]["/items/{itemId}"])
        if scope:
            schemes(d)["o"] = oauth("clientCredentials", tokenUrl="https://a.example.com/token")
            d["paths"]["/admin/users/{itemId}"]["get"]["security"] = [{"o": ["items:read"]}]
            d["paths"]["/admin/users/{itemId}"]["get"]["responses"]["403"] = R("Forbidden")
    return f
case("admin-security-shared", admin_path(False), admin_path(True))
case("server-environment-undeclared", lambda d: d["servers"][0].pop("description"), lambda d: d["servers"][0].pop("description") and d["servers"][0].__setitem__("x-internal", False))
def no_cors(d):
    for path in d["paths"].values():
        for op in path.values():
            for r in op["responses"].values():
                r.get("headers", {}).pop("Access-Control-Allow-Origin", None)
case("cors-policy-undocumented", no_cors, lambda d: no_cors(d) or items_get(d)["responses"]["200"]["headers"].__setitem__("Access-Control-Allow-Origin", {"schema": {"type": "string"}}))
def scoped(scope):
    def f(d):
        schemes(d)["o"] = oauth("clientCredentials", tokenUrl="https://a.example.com/token")
        item_get(d)["security"] = [{"o": [scope]}]
        item_get(d)["responses"]["403"] = R("Forbidden")
    return f
case("undefined-oauth-scope", scoped("items:delete"), scoped("items:read"))
case("server-insecure-http", lambda d: d["servers"].append({"url": "http://api.example.com/v1"}), lambda d: d["servers"].append({"url": "http://localhost:8080/v1"}))
case("server-localhost", lambda d: d["servers"].append({"url": "http://localhost:8080/v1"}), lambda d: d["servers"].append({"url": "https://localhost-api.example.com/v1"}))
case("server-private-address", lambda d: d["servers"].append({"url": "https://192.168.1.20/v1"}), lambda d: d["servers"].append({"url": "https://192.169.1.20/v1"}))
case("server-non-production", lambda d: d["servers"].append({"url": "https://staging.example.com/v1"}), lambda d: d["servers"].append({"url": "https://eu.example.com/v1"}))
case("no-servers", lambda d: d.pop("servers"))
case("server-variable-unbounded", lambda d: d["servers"].append({"url": "https://{region}.example.com/v1", "variables": {"region": {"default": "eu"}}}),
     lambda d: d["servers"].append({"url": "https://{region}.example.com/v1", "variables": {"region": {"default": "eu", "enum": ["eu", "us"]}}}))
case("server-version-mismatch", lambda d: d["servers"].append({"url": "https://api.example.com/v2"}), lambda d: d["info"].__setitem__("version", "1.4.2"))
def unversioned(d): d["servers"] = [{"url": "https://api.example.com"}]
def versioned_path(d): unversioned(d); d["paths"] = {"/v1" + k: v for k, v in d["paths"].items()}
case("unversioned-api", unversioned, versioned_path)
case("string-unbounded", lambda d: newitem(d).__setitem__("note", {"type": "string"}), lambda d: newitem(d).__setitem__("note", {"type": "string", "maxLength": 500}))
case("string-unrestricted", lambda d: newitem(d).__setitem__("note", {"type": "string", "maxLength": 500}), lambda d: newitem(d).__setitem__("note", {"type": "string", "maxLength": 500, "enum": ["a", "b"]}))
case("array-unbounded", lambda d: newitem(d).__setitem__("tags", {"type": "array", "items": {"type": "string", "enum": ["a"]}}),
     lambda d: newitem(d).__setitem__("tags", {"type": "array", "maxItems": 10, "items": {"type": "string", "enum": ["a"]}}))
case("number-unbounded", lambda d: newitem(d).__setitem__("qty", {"type": "integer", "format": "int32", "minimum": 1}),
     lambda d: newitem(d).__setitem__("qty", {"type": "integer", "format": "int32", "minimum": 1, "maximum": 99}))
case("integer-without-format", lambda d: newitem(d).__setitem__("qty", {"type": "integer", "minimum": 1, "maximum": 99}),
     lambda d: newitem(d).__setitem__("qty", {"type": "integer", "format": "int64", "minimum": 1, "maximum": 99}))
case("privileged-property-in-request", lambda d: newitem(d).__setitem__("is_admin", {"type": "boolean"}),
     lambda d: newitem(d).__setitem__("is_admin", {"type": "boolean", "readOnly": True}))
case("request-additional-properties", lambda d: d["components"]["schemas"]["NewItem"].pop("additionalProperties"),
     lambda d: d["components"]["schemas"]["Item"].__setitem__("additionalProperties", True))
case("additional-properties-unconstrained", lambda d: newitem(d).__setitem__("labels", {"type": "object", "additionalProperties": {"type": "string", "maxLength": 9, "pattern": "^a$"}}),
     lambda d: newitem(d).__setitem__("labels", {"type": "object", "maxProperties": 20, "additionalProperties": {"type": "string", "maxLength": 9, "pattern": "^a$"}}))
case("request-body-without-schema", lambda d: items_post(d)["requestBody"]["content"]["application/json"].pop("schema"))
def param_no_schema(d): items_get(d)["parameters"].append({"name": "q", "in": "query"})
case("parameter-without-schema", param_no_schema, qparam("q"))
case("request-schema-permissive", lambda d: newitem(d).__setitem__("extra", {"description": "anything"}), lambda d: newitem(d).__setitem__("extra", {"type": "boolean"}))
def int_id(d): item_get(d)["parameters"][0]["schema"] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": 10**9}
def int_page(d): items_get(d)["parameters"].append({"name": "page", "in": "query", "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100}})
case("sequential-integer-id", int_id, int_page)
case("pattern-unanchored", lambda d: newitem(d)["name"].__setitem__("pattern", "[A-Za-z0-9 ]+"))
case("url-input-ssrf", lambda d: newitem(d).__setitem__("callback_url", {"type": "string", "format": "uri", "maxLength": 2000}),
     lambda d: item(d).__setitem__("callback_url", {"type": "string", "format": "uri"}))
case("sensitive-data-in-response", lambda d: item(d).__setitem__("password", {"type": "string"}),
     lambda d: item(d).__setitem__("password", {"type": "string", "writeOnly": True}))
case("token-in-response", lambda d: item(d).__setitem__("api_key", {"type": "string"}), lambda d: item(d).__setitem__("api_key_last4", {"type": "string"}))
def no_limit(d): items_get(d).pop("parameters"); items_get(d)["responses"].pop("400")
def wrapped_with_limit(d): items_get(d)["responses"]["200"] = ok(schema={"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}})
case("unpaginated-collection", no_limit, wrapped_with_limit)
case("missing-auth-error-responses", lambda d: item_get(d)["responses"].pop("401"), lambda d: item_get(d)["responses"].pop("401") and item_get(d)["responses"].__setitem__("4XX", R("BadRequest")))
case("missing-429-response", lambda d: items_post(d)["responses"].pop("429"), lambda d: items_get(d)["responses"].pop("429"))
case("rate-limit-headers-missing", lambda d: items_post(d)["responses"]["201"].pop("headers"),
     lambda d: items_post(d)["responses"]["201"].__setitem__("headers", {"X-RateLimit-Limit": {"schema": {"type": "integer"}}}))
case("retry-after-missing", lambda d: d["components"]["responses"]["TooManyRequests"].pop("headers"))
def only_success(d): item_get(d)["responses"] = {"200": ok(schema={"$ref": "#/components/schemas/Item"}, rate=False)}
def only_default(d): item_get(d)["responses"] = {"200": ok(schema={"$ref": "#/components/schemas/Item"}, rate=False), "default": R("ServerError")}
case("no-error-responses", only_success, only_default)
case("missing-validation-error-response", lambda d: items_post(d)["responses"].pop("400"), lambda d: items_post(d)["responses"].pop("400") and items_post(d)["responses"].__setitem__("422", R("BadRequest")))
case("missing-500-response", lambda d: item_get(d)["responses"].pop("500"), lambda d: item_get(d)["responses"].pop("500") and item_get(d)["responses"].__setitem__("5XX", R("ServerError")))
case("deprecated-operation", lambda d: item_get(d).__setitem__("deprecated", True), lambda d: item_get(d).__setitem__("deprecated", False))
def two_versions(d): unversioned(d); d["paths"] = {"/v1/items": d["paths"]["/items"], "/v2/items/{itemId}": d["paths"]["/items/{itemId}"]}
case("multiple-api-versions", two_versions, versioned_path)
case("missing-contact", lambda d: d["info"].pop("contact"), lambda d: d["info"].__setitem__("contact", {"name": "API team"}) or d["info"].__setitem__("x-security-contact", "security@example.com"))
case("missing-security-contact", lambda d: d["info"]["contact"].pop("email"), lambda d: d["info"]["contact"].pop("email") and d["info"].__setitem__("x-security-contact", "https://example.com/security"))
case("unresolved-reference", lambda d: item_get(d)["responses"]["200"]["content"]["application/json"].__setitem__("schema", {"$ref": "#/components/schemas/Missing"}))

out = "rules"
for rule, (pos, neg, _) in cases.items():
    os.makedirs(f"{out}/{rule}", exist_ok=True)
    for kind, fn in (("positive", pos), ("negative", neg)):
        d = copy.deepcopy(base); fn(d)
        with open(f"{out}/{rule}/{kind}.yaml", "w") as f:
            yaml.safe_dump(d, f, sort_keys=False, width=120)
with open("clean.yaml", "w") as f: yaml.safe_dump(base, f, sort_keys=False, width=120)
with open("clean-swagger2.json", "w") as f:
    json.dump(swagger_base(), f, indent=2)
print(len(cases))
