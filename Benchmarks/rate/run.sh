#!/usr/bin/env bash
# Benchmark: `rampart rate` on 200 local HTTPS hosts, and one host side by side with sslyze and testssl.sh.
#
#   bash Benchmarks/rate/run.sh        # from anywhere; installs nginx, testssl.sh (Debian) and sslyze (PyPI) if missing
#   HOSTS=50 bash Benchmarks/rate/run.sh
#
# Everything listens on 127.0.0.1 only and is stopped at the end. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
hosts=${HOSTS:-200}
first_port=${FIRST_PORT:-21000}
compare_port=$((first_port + hosts))
work=$(mktemp -d)
trap 'nginx -p "$work" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
command -v testssl >/dev/null || { apt-get update -qq && apt-get install -y -qq testssl.sh >/dev/null; }
command -v sslyze >/dev/null || python3 -m pip install --quiet sslyze

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"

# A private CA, a leaf for 127.0.0.1 signed by it, and a self-signed leaf for the comparison host.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Rampart Bench CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$work/leaf.key" -out "$work/leaf.csr" 2>/dev/null
printf "subjectAltName=IP:127.0.0.1\n" > "$work/san.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 30 \
  -extfile "$work/san.ext" -out "$work/leaf.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/self.key" -out "$work/self.pem" 2>/dev/null

# nginx: one server block per port, security headers set, a JSON body.
{
  echo "worker_processes 2; pid $work/nginx.pid; error_log $work/error.log; events { worker_connections 4096; }"
  echo "http { access_log off; default_type application/json;"
  echo "  add_header Strict-Transport-Security \"max-age=63072000\" always; add_header X-Content-Type-Options nosniff always;"
  echo "  add_header Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\" always; add_header Referrer-Policy no-referrer always;"
  for port in $(seq "$first_port" $((first_port + hosts - 1))); do
    echo "  server { listen 127.0.0.1:$port ssl; ssl_certificate $work/leaf.pem; ssl_certificate_key $work/leaf.key;"
    echo "           ssl_protocols TLSv1.2 TLSv1.3; location / { return 200 '{}'; } }"
  done
  echo "  server { listen 127.0.0.1:$compare_port ssl; ssl_certificate $work/self.pem; ssl_certificate_key $work/self.key;"
  echo "           ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; ssl_ciphers 'DEFAULT:@SECLEVEL=0'; location / { return 200 '{}'; } }"
  echo "}"
} > "$work/nginx.conf"
nginx -p "$work" -c nginx.conf
for _ in $(seq 50); do [ -f "$work/nginx.pid" ] && break; sleep 0.1; done

seq "$first_port" $((first_port + hosts - 1)) | sed 's|^|https://127.0.0.1:|' > "$work/targets.txt"

seconds() { /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>&1 || true; tail -n 1 "$work/time"; }

many=$(seconds "$rampart" rate --targets "$work/targets.txt" --concurrency 50 --timeout 10 --ca-file "$work/ca.pem" \
  --format json --output "$work/many.json" --fail-on none)
graded=$(python3 - "$work/many.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
hosts = report["hosts"]
rated = sum(1 for host in hosts if not host.get("error"))
print(f"{len(hosts)} hosts, {rated} rated, portfolio {report['portfolio']['grade']}")
PY
)

one=https://127.0.0.1:$compare_port
t_rampart=$(seconds "$rampart" rate "$one" --timeout 10 --format json --output "$work/one.json" --fail-on none)
t_sslyze=$(seconds sslyze "127.0.0.1:$compare_port" --json_out="$work/sslyze.json")
t_testssl=$(seconds testssl --quiet --color 0 --warnings off --jsonfile "$work/testssl.json" -p -S "127.0.0.1:$compare_port")

python3 - "$work" "$hosts" "$many" "$graded" "$t_rampart" "$t_sslyze" "$t_testssl" <<'PY'
import json, sys
work, hosts, many, graded, t_r, t_s, t_t = sys.argv[1:]
r = json.load(open(f"{work}/one.json"))["hosts"][0]
rampart_protocols = sorted(r["tls"]["protocols"]) if r.get("tls") else []
rampart_cert = sorted(r["tls"]["certificate"]["problems"]) if r.get("tls") else []

names = {"ssl_2_0": "SSLv2", "ssl_3_0": "SSLv3", "tls_1_0": "TLSv1.0", "tls_1_1": "TLSv1.1", "tls_1_2": "TLSv1.2", "tls_1_3": "TLSv1.3"}
s = json.load(open(f"{work}/sslyze.json"))["server_scan_results"][0]["scan_result"]
sslyze_protocols = sorted(names[k] for k in names if (s.get(f"{k}_cipher_suites") or {}).get("result", {}).get("accepted_cipher_suites"))
deployment = s["certificate_info"]["result"]["certificate_deployments"][0]
trusted = any(v.get("was_validation_successful") for v in deployment["path_validation_results"])
sslyze_cert = [] if trusted else ["untrusted"]

t = json.load(open(f"{work}/testssl.json"))
offered = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3"}
testssl_protocols = sorted(v for k, v in offered.items() if any(e["id"] == k and e["finding"].startswith("offered") for e in t))
chain = [e["finding"] for e in t if e["id"].startswith("cert_chain_of_trust")]

print(f"| rampart rate, {hosts} local HTTPS hosts, --concurrency 50 | {many} s | {graded} |")
print()
print("| one host (TLS 1.0–1.3, self-signed RSA 2048) | wall | protocols accepted | certificate verdict |")
print("|---|---|---|---|")
print(f"| rampart rate (TLS + headers + API checks) | {t_r} s | {', '.join(rampart_protocols)} | {', '.join(rampart_cert) or 'trusted'} |")
print(f"| sslyze (full default scan) | {t_s} s | {', '.join(sslyze_protocols)} | {', '.join(sslyze_cert) or 'trusted'} |")
print(f"| testssl.sh -p -S | {t_t} s | {', '.join(testssl_protocols)} | {'; '.join(chain)[:80] or '-'} |")
agree = rampart_protocols == sslyze_protocols == testssl_protocols
print()
print(f"Protocol versions agree across the three tools: {'yes' if agree else 'NO'}.")
PY
