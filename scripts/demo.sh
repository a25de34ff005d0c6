#!/usr/bin/env bash
# A scripted walk-through against a running otpgate (`make run` in another
# terminal): onboard two tenants, send and verify an OTP, print an invoice.
#   OTPGATE_URL        the server [http://127.0.0.1:8080]
#   OTPGATE_ADMIN_KEY  an admin key; if unset one is made with `otpgate admin-key`
#                      on the same database as `make run` (./var/otpgate.db)
set -euo pipefail
cd "$(dirname "$0")/.."

url="${OTPGATE_URL:-http://127.0.0.1:8080}"
admin="${OTPGATE_ADMIN_KEY:-}"
if [ -z "$admin" ]; then
  admin=$(./build/otpgate admin-key --db "${OTPGATE_DB:-./var/otpgate.db}")
fi
suffix=$(date +%s)

# call METHOD PATH KEY [BODY]: prints the response body, fails on a non-2xx.
call() {
  local method=$1 path=$2 key=$3 body=${4:-}
  local args=(-sS -X "$method" "$url$path" -H "X-API-Key: $key" -w '\n%{http_code}')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
  local out status
  out=$(curl "${args[@]}")
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s %s -> %s\n' "$method" "$path" "$status" >&2
  case "$status" in 2*) ;; *) echo "$out" >&2; exit 1 ;; esac
  printf '%s' "$out"
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
pretty() { python3 -m json.tool; }

echo "== Onboarding two tenants"
for t in alpha beta; do
  name=$([ $t = alpha ] && echo "Alpha Retail" || echo "Beta Logistics")
  header=$([ $t = alpha ] && echo "ALPHAR" || echo "BETALG")
  call POST /v1/tenants "$admin" "{\"id\":\"tenant_${t}_$suffix\",\"name\":\"$name\",
    \"sender_header\":\"$header\",\"pe_id\":\"1101234567890123456\",
    \"billing\":{\"mode\":\"prepaid\"},\"otp\":{\"length\":6,\"ttl_sec\":300,\"max_attempts\":5}}" >/dev/null
  call POST "/v1/tenants/tenant_${t}_$suffix/templates" "$admin" \
    '{"name":"login","dlt_template_id":"1107160000000012345","body":"Your OTP for {#var#} is {#var#}. Valid for 5 minutes.","vars":["appName","otp"],"default":true}' >/dev/null
  call POST "/v1/tenants/tenant_${t}_$suffix/wallet/credits" "$admin" \
    "{\"amount_paise\":100000,\"reference\":\"demo-topup-$suffix\"}" >/dev/null
done
alpha_key=$(call POST "/v1/tenants/tenant_alpha_$suffix/keys" "$admin" '{"name":"demo"}' | field key)
beta_key=$(call POST "/v1/tenants/tenant_beta_$suffix/keys" "$admin" '{"name":"demo"}' | field key)

echo "== Alpha sends through the seed's gateway-shaped API, with its own code"
sent=$(call POST /otp/send "$alpha_key" \
  '{"phoneNumber":"+919876543210","templateId":"1107160000000012345","variables":{"otp":"492811","appName":"Alpha Retail"}}')
echo "$sent" | pretty
req=$(echo "$sent" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["otpRequestId"])')
call POST /otp/verify "$alpha_key" "{\"otpRequestId\":\"$req\",\"otp\":\"492811\"}" | pretty

echo "== Beta sends through the native API (the code goes only to the phone)"
sent=$(call POST /v1/otp/send "$beta_key" '{"phone":"+919812345678","template":"login"}')
echo "$sent" | pretty
call POST /v1/otp/verify "$beta_key" \
  "{\"request_id\":\"$(echo "$sent" | field request_id)\",\"code\":\"000000\"}" | pretty

sleep 1
echo "== Alpha's wallet"
call GET "/v1/tenants/tenant_alpha_$suffix/wallet" "$alpha_key" | pretty
echo "== This month's invoice"
call GET "/v1/invoices/$(TZ=Asia/Kolkata date +%Y-%m)" "$admin" | pretty
call GET "/v1/invoices/$(TZ=Asia/Kolkata date +%Y-%m)?format=csv" "$admin"
