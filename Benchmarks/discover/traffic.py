#!/usr/bin/env python3
"""Generates traffic over known routes, for `rampart discover`'s benchmark (issue #6).

  traffic.py log LINES FILE   a combined-format access log
  traffic.py har ENTRIES FILE a HAR 1.2 file with JSON bodies
  traffic.py routes           the true templates, one per line (method and path, parameters as {})

Deterministic (fixed seed), so every run measures the same input.
"""
import json, random, sys, uuid

# (method, template, weight); {int} {uuid} {hex} {slug} {date} {locale} are filled in per request.
ROUTES = [
    ("GET", "/api/v2/users/{int}", 12), ("PATCH", "/api/v2/users/{int}", 2), ("GET", "/api/v2/users/me", 8),
    ("GET", "/api/v2/users/{int}/orders", 6), ("GET", "/api/v2/users/{int}/orders/{int}", 8), ("POST", "/api/v2/users/{int}/orders", 3),
    ("GET", "/api/v2/orders/{uuid}", 6), ("DELETE", "/api/v2/orders/{uuid}", 1), ("GET", "/api/v2/orders/{uuid}/items/{int}", 3),
    ("GET", "/api/v2/products", 10), ("GET", "/api/v2/products/{slug}", 9), ("GET", "/api/v2/products/featured", 5),
    ("GET", "/api/v2/products/{slug}/reviews", 3), ("GET", "/api/v2/reports/{date}", 2), ("GET", "/api/v2/blobs/{hex}", 2),
    ("POST", "/api/v2/auth/login", 4), ("POST", "/api/v2/auth/refresh", 2), ("GET", "/api/v2/search", 6),
    ("GET", "/api/v2/carts/{uuid}", 3), ("PUT", "/api/v2/carts/{uuid}/items/{int}", 2), ("GET", "/api/v1/users/{int}", 1),
    ("GET", "/{locale}/docs/getting-started", 2), ("GET", "/{locale}/docs/reference", 1), ("GET", "/health", 3),
    ("GET", "/api/v2/admin/stats", 1), ("GET", "/api/v2/invoices/{int}/pdf", 1),
]
WORDS = ["red", "blue", "green", "wool", "cotton", "silk", "scarf", "shirt", "hat", "belt", "lamp", "desk", "chair", "mug", "kettle", "tea"]
LOCALES = ["en", "de", "fr", "es", "it", "pt-BR", "ja"]

def concrete(template, rng):
    out = template
    while "{" in out:
        start = out.index("{"); end = out.index("}", start)
        kind = out[start + 1:end]
        value = {"int": lambda: str(rng.randint(1, 200000)),
                 "uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 "hex": lambda: "%024x" % rng.getrandbits(96),
                 "slug": lambda: "-".join(rng.sample(WORDS, 3)) + "-" + str(rng.randint(1, 999)),
                 "date": lambda: "2024-%02d-%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
                 "locale": lambda: rng.choice(LOCALES)}[kind]()
        out = out[:start] + value + out[end + 1:]
    return out

def query(method, template, rng):
    if template.endswith("/search"): return "?q=" + rng.choice(WORDS) + "&page=" + str(rng.randint(1, 9))
    if template == "/api/v2/products": return "?page=%d&sort=%s" % (rng.randint(1, 50), rng.choice(["price", "name"]))
    return ""

def pick(rng):
    total = sum(w for _, _, w in ROUTES)
    n = rng.uniform(0, total)
    for method, template, weight in ROUTES:
        n -= weight
        if n <= 0: return method, template
    return ROUTES[-1][:2]

def log(lines, path):
    rng = random.Random(6)
    with open(path, "w") as f:
        for i in range(lines):
            method, template = pick(rng)
            status = rng.choice([200] * 18 + [404, 500]) if method == "GET" else rng.choice([200, 201, 204, 400])
            t = 1714521600 + i // 20
            stamp = "%02d/May/2024:%02d:%02d:%02d +0000" % (1 + t // 86400 % 28, t // 3600 % 24, t // 60 % 60, t % 60)
            f.write('10.%d.%d.%d - - [%s] "%s %s%s HTTP/1.1" %d %d "-" "client/%d"\n' % (
                rng.randint(0, 3), rng.randint(0, 255), rng.randint(1, 254), stamp, method, concrete(template, rng), query(method, template, rng),
                status, rng.randint(0, 5000), rng.randint(1, 9)))

def har(entries, path):
    rng = random.Random(7)
    out = []
    for i in range(entries):
        method, template = pick(rng)
        url = "https://api.example.com" + concrete(template, rng) + query(method, template, rng)
        body = {"id": rng.randint(1, 99999), "name": rng.choice(WORDS), "price": round(rng.uniform(1, 99), 2), "tags": rng.sample(WORDS, 2)}
        request = {"method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [], "queryString": [], "headersSize": -1, "bodySize": -1,
                   "headers": [{"name": "Authorization", "value": "Bearer token-%d" % rng.randint(1, 50)}, {"name": "Accept", "value": "application/json"}]}
        if method in ("POST", "PUT", "PATCH"):
            request["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
        out.append({"startedDateTime": "2024-05-01T12:%02d:%02d.000Z" % (i // 60 % 60, i % 60), "time": 5, "request": request,
                    "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [], "redirectURL": "", "headersSize": -1, "bodySize": -1,
                                 "headers": [{"name": "Content-Type", "value": "application/json"}],
                                 "content": {"size": 0, "mimeType": "application/json", "text": json.dumps(body)}},
                    "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}})
    with open(path, "w") as f:
        json.dump({"log": {"version": "1.2", "creator": {"name": "rampart-bench", "version": "1"}, "entries": out}}, f)

if __name__ == "__main__":
    if sys.argv[1] == "log": log(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "har": har(int(sys.argv[2]), sys.argv[3])
    else:
        import re
        for method, template, _ in ROUTES: print(method, re.sub(r"\{[a-z]+\}", "{}", template))
