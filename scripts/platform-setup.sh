#!/usr/bin/env bash
# Sets up the shared DLT route on a running otpgate (docs/DLT.md, "The
# shared route"): the platform's own PE-ID, its default header and one
# service-implicit OTP template that carries the tenant's business name in a
# variable. Tenants without a PE-ID of their own (route "shared") then send
# through it. Re-running it is safe: the header and template are replaced.
#
#   OTPGATE_URL              the server [http://127.0.0.1:8080]
#   OTPGATE_ADMIN_KEY        an admin key; if unset one is made with
#                            `otpgate admin-key` on ./var/otpgate.db (make run's)
#   PLATFORM_PE_ID           [1201234567890123456]
#   PLATFORM_HEADER          [STRMSG]
#   PLATFORM_TEMPLATE_ID     the DLT template id the portal issued [1207160000000000001]
#   PLATFORM_TEMPLATE_BODY   exactly as registered on the portal
#                            [Your OTP for {#var#} is {#numeric#}. Valid for 5 minutes.]
set -euo pipefail
cd "$(dirname "$0")/.."

url="${OTPGATE_URL:-http://127.0.0.1:8080}"
admin="${OTPGATE_ADMIN_KEY:-}"
if [ -z "$admin" ]; then
  admin=$(./build/otpgate admin-key --db "${OTPGATE_DB:-./var/otpgate.db}")
fi
pe="${PLATFORM_PE_ID:-1201234567890123456}"
header="${PLATFORM_HEADER:-STRMSG}"
tid="${PLATFORM_TEMPLATE_ID:-1207160000000000001}"
default_body='Your OTP for {#var#} is {#numeric#}. Valid for 5 minutes.'
body="${PLATFORM_TEMPLATE_BODY:-$default_body}"

# call METHOD PATH BODY: prints the response, fails on anything but 2xx.
call() {
  local out status
  out=$(curl -sS -X "$1" "$url$2" -H "X-API-Key: $admin" -H 'Content-Type: application/json' \
    -d "$3" -w '\n%{http_code}')
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  printf '%s %s -> %s %s\n' "$1" "$2" "$status" "$out"
  case "$status" in 2*) ;; *) exit 1 ;; esac
}
json() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

# The PE-ID and default header; the header is registered under the PE.
call PATCH /v1/platform "{\"pe_id\":$(json "$pe"),\"sender_header\":$(json "$header")}"
# The template, mapped to that header. "vars" name what fills each
# variable: appName is the sending tenant's name, otp the code.
curl -sS -o /dev/null -X DELETE "$url/v1/platform/templates/shared_otp" -H "X-API-Key: $admin"
call POST /v1/platform/templates "{\"name\":\"shared_otp\",\"dlt_template_id\":$(json "$tid"),
  \"body\":$(json "$body"),\"vars\":[\"appName\",\"otp\"],\"headers\":[$(json "$header")],
  \"category\":\"service_implicit\",\"default\":true}"
echo "shared route ready: tenants created without pe_id (or with \"route\":\"shared\") send as $header"
