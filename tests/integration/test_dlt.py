"""The DLT registry through the API and the CLI (docs/DLT.md): headers and
whitelist, templates' DLT fields, CSV import, hot updates with an audit
trail, the refusal's body, the shared route (set up by
scripts/platform-setup.sh) and its price, what goes upstream, and usage and
invoices by route. The table-driven verdicts are in test_dlt_cases.py."""

import csv
import io
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HOST, SOURCE_DIR, Otpgate, case, eq, expect, local_month,  # noqa: E402
                     main, ok, run_cli, stack, tenant_body, unique_id, unique_phone,
                     wait_until)

SAMPLE_CSV = os.path.join(SOURCE_DIR, "tests", "integration", "data", "dlt_portal_export.csv")
PLATFORM_PE = "1201234567890123456"
PLATFORM_TID = "1207160000000000001"


def audit_actions(og, tid):
    got = expect(og.call("GET", "/v1/audit?tenant_id=%s&limit=100" % tid, key=og.admin), 200)
    return [(e["action"], e["target"]) for e in got["data"]]


def setup_platform(og):
    """The shared route, set up the way the docs say: scripts/platform-setup.sh."""
    env = dict(os.environ, OTPGATE_URL="http://%s:%d" % (HOST, og.port),
               OTPGATE_ADMIN_KEY=og.admin)
    r = subprocess.run(["bash", os.path.join(SOURCE_DIR, "scripts", "platform-setup.sh")],
                       capture_output=True, text=True, env=env, timeout=60)
    eq(r.returncode, 0, "platform-setup.sh (%s %s)" % (r.stdout[-500:], r.stderr[-500:]))


@case
def headers_and_whitelist_api():
    gw, og = stack()
    t = og.setup_tenant()
    path = "/v1/tenants/%s/headers" % t.id
    # The core's sender_header is a registered, active service implicit header.
    hs = expect(og.call("GET", path, key=og.admin), 200)["data"]
    eq([(h["header"], h["category"], h["status"], h["pe_id"]) for h in hs],
       [("ALPHAR", "service_implicit", "active", "1101234567890123456")], "headers")
    h = expect(og.call("POST", path, {"header": "ALPHAT", "category": "transactional"},
                       og.admin), 201)
    eq((h["header"], h["status"]), ("ALPHAT", "active"), "new header")
    expect(og.call("POST", path, {"header": "ALPHAT", "category": "transactional",
                                  "status": "inactive"}, og.admin), 200, msg="re-registered")
    r = expect(og.call("POST", path, {"header": "ALPHA1"}, og.admin), 400, "invalid_request")
    eq((r["error"]["rule"], r["error"]["field"]), ("DLT-41", "header"), "format rule")
    expect(og.call("POST", path, {"header": "123456", "category": "promotional"}, og.admin), 201)
    expect(og.call("POST", path, {"header": "ALPHAZ", "status": "blacklisted"}, og.admin), 400,
           "invalid_request", "a header is active or inactive")
    expect(og.call("POST", path, {"header": "ALPHAZ", "colour": 1}, og.admin), 400,
           "invalid_request", "unknown field")
    lst = expect(og.call("GET", path + "?limit=2", key=og.admin), 200)
    eq([x["header"] for x in lst["data"]], ["123456", "ALPHAR"], "first page")
    eq(lst["next_after"], "ALPHAR", "cursor")
    # Three ways to name the header a DELETE removes.
    expect(og.call("DELETE", path + "/123456", key=og.admin), 204)
    expect(og.call("DELETE", path + "?header=ALPHAT", key=og.admin), 204)
    expect(og.call("POST", path, {"header": "ALPHAT"}, og.admin), 201)
    expect(og.call("DELETE", path, {"header": "ALPHAT"}, og.admin), 204)
    expect(og.call("DELETE", path + "/ALPHAT", key=og.admin), 404, "not_found")
    expect(og.call("DELETE", path, key=og.admin), 400, "invalid_request", "no header named")
    # Whitelist: callback numbers are stored normalised.
    wpath = "/v1/tenants/%s/whitelist" % t.id
    w = expect(og.call("POST", wpath, {"type": "cbn", "value": "+919812345678"}, og.admin), 201)
    eq(w["value"], "9812345678", "normalised callback number")
    expect(og.call("POST", wpath, {"type": "cbn", "value": "919812345678"}, og.admin), 200,
           msg="the same number again")
    expect(og.call("POST", wpath, {"type": "url", "value": "https://alpha.example.in/v?"},
                   og.admin), 201)
    r = expect(og.call("POST", wpath, {"type": "url", "value": "https://bit.ly/x"}, og.admin),
               400, "invalid_request")
    eq(r["error"]["rule"], "DLT-43", "shortener rule")
    expect(og.call("POST", wpath, {"value": "https://a.in/"}, og.admin), 400, "invalid_request")
    eq(sorted(x["value"] for x in expect(og.call("GET", wpath, key=og.admin), 200)["data"]),
       ["9812345678", "https://alpha.example.in/v?"], "whitelist")
    expect(og.call("DELETE", wpath + "?value=%2B919812345678", key=og.admin), 204,
           msg="deleted as written")
    expect(og.call("DELETE", wpath, {"value": "https://alpha.example.in/v?"}, og.admin), 204)
    expect(og.call("DELETE", wpath, {"value": "https://alpha.example.in/v?"}, og.admin), 404)
    # Every change is in the audit trail, by whom and what.
    acts = audit_actions(og, t.id)
    for a in (("dlt.header.put", "ALPHAT"), ("dlt.header.delete", "123456"),
              ("dlt.whitelist.add", "cbn"), ("dlt.whitelist.delete", "whitelist")):
        ok(a in acts, "audit %s in %s" % (a, acts))
    # Admin only; another tenant's key sees nothing.
    expect(og.call("GET", path, key=t.key), (403, 404))
    other = og.setup_tenant()
    expect(og.call("GET", path, key=other.key), 404, "not_found")
    expect(og.call("GET", "/v1/tenants/nobody_x/headers", key=og.admin), 404)


@case
def template_fields_and_refusal_body():
    gw, og = stack()
    t = og.setup_tenant()
    tpl = t.template
    eq((tpl["category"], tpl["status"], tpl["headers"], tpl["warnings"]),
       ("service_implicit", "active", ["ALPHAR"], []), "a core template's DLT fields")
    eq(tpl["variables"], [{"name": "appName", "tag": "var", "max_len": 30},
                          {"name": "otp", "tag": "var", "max_len": 30}], "variables")
    r = expect(og.call("POST", "/v1/tenants/%s/templates" % t.id,
                       {"name": "x", "dlt_template_id": "1107160000000000077",
                        "body": "Your OTP is {#var} now", "vars": ["otp"]}, og.admin),
               422, "template_rejected")
    eq((r["error"]["rule"], r["error"]["field"]), ("DLT-20", "body"), "lint refusal")
    ok("dlt_code" not in r["error"], "lint has no operator code")
    # A refused send: the body names the rule, the operator's code and the field.
    st, _, r = t.send(unique_phone(), sender_header="ALPHAX")
    eq(st, 422, "refused")
    eq(sorted(r["error"]), ["code", "dlt_code", "field", "message", "rule"], "error members")
    eq((r["error"]["code"], r["error"]["dlt_code"], r["error"]["rule"], r["error"]["field"]),
       ("dlt_rejected", "SNDR-NT-REG", "DLT-02", "sender_header"), "error body")
    # The compatible endpoint carries the same code in the gateway's envelope.
    expect(og.call("PATCH", "/v1/tenants/%s" % t.id, {"pe_id": "1101234567890999999"}, og.admin),
           200)
    st, _, r = og.call("POST", "/otp/send", {"phoneNumber": unique_phone()}, t.key)
    eq((st, r.get("success"), r.get("dlt_code"), r.get("rule")),
       (422, False, "SNDR-NT-MTCH", "DLT-05"), "compat refusal")
    eq(t.wallet()["held_paise"], 0, "nothing held")
    eq(gw.sends(), [], "nothing sent")


@case
def hot_updates_and_upstream_fields():
    gw, og = stack()
    t = og.setup_tenant()
    p1 = unique_phone()
    t.send_ok(p1)
    b = gw.wait_sends(p1)[0]["body"]
    eq((b["peId"], b["senderId"], b["templateId"]),
       ("1101234567890123456", "ALPHAR", "1107160000000012345"), "the DLT chain upstream")
    ok(re.fullmatch(r"Your OTP for Alpha Retail is \d{6}\. Valid for 5 minutes\.", b["text"]),
       "the text upstream: %r" % b["text"])
    # Deactivating the header applies to the very next send, no restart.
    path = "/v1/tenants/%s/headers" % t.id
    expect(og.call("POST", path, {"header": "ALPHAR", "status": "inactive"}, og.admin), 200)
    expect(t.send(unique_phone()), 422, "dlt_rejected", "inactive header")
    expect(og.call("POST", path, {"header": "ALPHAR", "status": "active"}, og.admin), 200)
    t.send_ok(unique_phone())
    # A second header chosen per send, and kept by a resend.
    expect(og.call("POST", path, {"header": "ALPHAB"}, og.admin), 201)
    expect(og.call("POST", "/v1/tenants/%s/templates" % t.id,
                   {"name": "two", "dlt_template_id": "1107160000000012346",
                    "body": "Your OTP for {#var#} is {#numeric#}. Valid for 5 minutes.",
                    "vars": ["appName", "otp"], "headers": ["ALPHAR", "ALPHAB"]}, og.admin), 201)
    p2 = unique_phone()
    r = t.send_ok(p2, template="two", sender_header="ALPHAB")
    eq(gw.wait_sends(p2)[0]["body"]["senderId"], "ALPHAB", "chosen header")
    og2 = og  # the resend cooldown is 30 s by default; test it with a fresh server below
    msgs = expect(og2.call("GET", "/v1/messages/%s" % r["message_id"], key=og.admin), 200)
    eq((msgs["sender_header"], msgs["pe_id"], msgs["route"]), ("ALPHAB", "1101234567890123456",
                                                               "own"), "message record")
    acts = [a for a, _ in audit_actions(og, t.id)]
    ok(acts.count("dlt.header.put") >= 3, "header changes audited: %s" % acts)


@case
def resend_keeps_the_header():
    gw, og = stack(extra=["--resend-cooldown-sec", "0"])
    t = og.setup_tenant()
    expect(og.call("POST", "/v1/tenants/%s/headers" % t.id, {"header": "ALPHAB"}, og.admin), 201)
    expect(og.call("POST", "/v1/tenants/%s/templates" % t.id,
                   {"name": "two", "dlt_template_id": "1107160000000012346",
                    "body": "Your OTP for {#var#} is {#numeric#}. Valid for 5 minutes.",
                    "vars": ["appName", "otp"], "headers": ["ALPHAR", "ALPHAB"]}, og.admin), 201)
    p = unique_phone()
    r = t.send_ok(p, template="two", sender_header="ALPHAB")
    expect(og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key), 202)
    sends = gw.wait_sends(p, 2)
    eq([s["body"]["senderId"] for s in sends], ["ALPHAB", "ALPHAB"], "resent under ALPHAB")
    # A header made inactive between send and resend refuses the resend.
    expect(og.call("POST", "/v1/tenants/%s/headers" % t.id,
                   {"header": "ALPHAB", "status": "inactive"}, og.admin), 200)
    r2 = expect(og.call("POST", "/v1/otp/resend", {"request_id": r["request_id"]}, t.key), 422,
                "dlt_rejected")
    eq(r2["error"]["dlt_code"], "SNDR-INACTVE", "resend scrubbed")


@case
def csv_import_api():
    gw, og = stack()
    t = og.setup_tenant()
    with open(SAMPLE_CSV, "rb") as f:
        data = f.read()
    path = "/v1/tenants/%s/templates:import" % t.id
    expect(og.call("POST", path, data, og.admin), 415, "unsupported_media_type")
    r = expect(og.call("POST", path, data, og.admin, headers={"Content-Type": "text/csv"}), 200)
    eq((r["imported"], r["failed"]), (5, 5), "good and bad rows")
    by_line = {row["line"]: row for row in r["rows"]}
    eq(sorted(by_line), [2, 3, 4, 5, 6, 7, 8, 10, 11, 12], "every row reported by its line")
    for line in (2, 3, 8, 10, 12):
        eq(by_line[line]["status"], "imported", "line %d" % line)
    eq((by_line[4]["error"]["code"], by_line[4]["error"]["rule"]),
       ("template_rejected", "DLT-20"), "line 4")
    eq(by_line[5]["error"]["rule"], "DLT-23", "line 5")
    eq((by_line[6]["error"]["code"], by_line[6]["error"]["rule"]),
       ("invalid_request", "DLT-42"), "line 6")
    eq(by_line[7]["error"]["field"], "category", "line 7")
    eq(by_line[11]["error"]["field"], "dlt_template_id", "line 11")
    # A mapped header not yet registered is a warning, not an error.
    ok(any(w["rule"] == "DLT-34" for w in by_line[3]["warnings"]), "ALPHAB warned")
    lst = {x["name"]: x for x in expect(og.call("GET", "/v1/tenants/%s/templates" % t.id,
                                                key=og.admin), 200)["data"]}
    eq(sorted(lst), ["Login_OTP", "Multi_line", "Old_one", "Quote_test", "Signup", "login"],
       "imported templates")
    eq((lst["Signup"]["headers"], lst["Old_one"]["status"], lst["Multi_line"]["category"]),
       (["ALPHAR", "ALPHAB"], "inactive", "transactional"), "imported fields")
    eq(lst["Login_OTP"]["vars"], ["appName", "otp"], "variables named from their tags")
    # Nothing half-written: the bad rows left nothing behind.
    ok("Bad_syntax" not in lst and "Adjacent" not in lst, "no bad row stored")
    # An imported template sends at once.
    p = unique_phone()
    t.send_ok(p, template="Login_OTP")
    eq(gw.wait_sends(p)[0]["body"]["templateId"], "1107160000000050001", "sent by import")
    # Importing again replaces, and each row's change is audited.
    r = expect(og.call("POST", path, data, og.admin, headers={"Content-Type": "text/csv"}), 200)
    eq([row["status"] for row in r["rows"] if row["line"] == 2], ["replaced"], "re-import")
    acts = [a for a, _ in audit_actions(og, t.id)]
    ok(acts.count("template.create") >= 5 and acts.count("template.replace") >= 5,
       "import audited: %s" % acts)
    r = expect(og.call("POST", path, "Name,Body\nx,y\n", og.admin,
                       headers={"Content-Type": "text/csv; charset=utf-8"}), 400,
               "invalid_request")
    ok("template id" in r["error"]["message"], "header row refused: %s" % r)


@case
def csv_import_cli():
    og = Otpgate(provider="log")
    t = og.setup_tenant(template=False)
    args = ["dlt", "import", "--tenant", t.id, SAMPLE_CSV, "--db", og.db, "--secret-file",
            og.secret]
    r = run_cli(args)
    eq(r.returncode, 1, "some rows failed (%s)" % r.stderr)
    lines = r.stdout.splitlines()
    ok("line 2: imported Login_OTP (template 1107160000000050001)" in lines, r.stdout)
    ok(any(ln.startswith("line 4: failed: template_rejected DLT-20 body:") for ln in lines),
       r.stdout)
    ok(any(ln.startswith("line 11: failed: invalid_request dlt_template_id:") for ln in lines),
       r.stdout)
    eq(lines[-1], "imported 5, failed 5", "summary")
    # The running server sees the imported templates on the next request.
    lst = expect(og.call("GET", "/v1/tenants/%s/templates" % t.id, key=og.admin), 200)["data"]
    eq(len(lst), 5, "templates visible without a restart")
    t.send_ok(unique_phone(), template="Signup")
    audit = expect(og.call("GET", "/v1/audit?tenant_id=%s" % t.id, key=og.admin), 200)["data"]
    ok(any(e["action"] == "template.create" and e["actor"]["kind"] == "cli" for e in audit),
       "the CLI is the actor")
    good = os.path.join(og.dir, "good.csv")
    with open(good, "w") as f:
        f.write("Template ID,Content,Status\n1107160000000060001,Your OTP is {#numeric#}. "
                "Do not share it.,Approved\n")
    r = run_cli(["dlt", "import", "--tenant", t.id, good, "--db", og.db, "--secret-file",
                 og.secret])
    eq((r.returncode, r.stdout.splitlines()[-1]), (0, "imported 1, failed 0"), "all good")
    eq(run_cli(["dlt", "import", "--tenant", "nobody_x", good, "--db", og.db, "--secret-file",
                og.secret]).returncode, 1, "unknown tenant")
    eq(run_cli(["dlt", "import", good]).returncode, 2, "no --tenant")
    eq(run_cli(["dlt", "import", "--tenant", t.id]).returncode, 2, "no file")
    eq(run_cli(["dlt", "frobnicate"]).returncode, 2, "unknown subcommand")


@case
def rules_are_documented():
    r = run_cli(["dlt", "rules"])
    eq(r.returncode, 0, "dlt rules")
    ids = [ln.split("\t")[0] for ln in r.stdout.splitlines()]
    ok(len(ids) >= 30 and ids[0] == "DLT-01", "rules listed: %s" % ids[:5])
    with open(os.path.join(SOURCE_DIR, "docs", "DLT.md"), encoding="utf-8") as f:
        doc = f.read()
    for ln in r.stdout.splitlines():
        rid, kind, code, _ = ln.split("\t", 3)
        ok(re.search(r"\|\s*%s\s*\|" % rid, doc), "docs/DLT.md lists %s" % rid)
        if code != "-":
            ok(re.search(r"\|\s*%s\s*\|[^\n]*%s" % (rid, re.escape(code)), doc),
               "docs/DLT.md gives %s's code %s" % (rid, code))


@case
def shared_route_price_and_invoice():
    gw, og = stack(extra=["--price-own-paise", "19"])
    setup_platform(og)
    plat = expect(og.call("GET", "/v1/platform", key=og.admin), 200)
    eq((plat["pe_id"], plat["sender_header"]), (PLATFORM_PE, "STRMSG"), "platform entity")
    hs = expect(og.call("GET", "/v1/platform/headers", key=og.admin), 200)["data"]
    eq([h["header"] for h in hs], ["STRMSG"], "platform header registered")
    setup_platform(og)  # re-running the setup is harmless
    # A tenant without a PE-ID: shared route by default, the deployment's 25.
    small = og.setup_tenant(template=False, pe_id=None, sender_header=None, price_paise=None,
                            name="Beta Kirana")
    eq((small.obj["route"], small.obj["price_paise"]), ("shared", 25), "shared tenant")
    p = unique_phone()
    r = small.send_ok(p)
    eq(r["cost_paise"], 25, "shared price")
    b = gw.wait_sends(p)[0]["body"]
    eq((b["peId"], b["senderId"], b["templateId"]), (PLATFORM_PE, "STRMSG", PLATFORM_TID),
       "the platform's chain upstream")
    ok(re.fullmatch(r"Your OTP for Beta Kirana is \d{6}\. Valid for 5 minutes\.", b["text"]),
       "the business name in the variable: %r" % b["text"])
    # An own-route tenant at --price-own-paise, and per-tenant route prices.
    own = og.setup_tenant(price_paise=None)
    eq((own.obj["route"], own.obj["price_own_paise"], own.obj["price_shared_paise"]),
       ("own", 19, 25), "route prices")
    eq(own.send_ok(unique_phone())["cost_paise"], 19, "own price")
    expect(og.call("PATCH", "/v1/tenants/%s" % own.id, {"price_own_paise": 15}, og.admin), 200)
    eq(own.send_ok(unique_phone())["cost_paise"], 15, "the tenant's own-route price")
    # Switching route takes the other registry and price at once.
    t2 = expect(og.call("PATCH", "/v1/tenants/%s" % own.id,
                        {"route": "shared", "price_shared_paise": 22}, og.admin), 200)
    eq((t2["route"], t2["price_paise"]), ("shared", 22), "switched")
    # Its own template (an ID the platform never registered) is refused on
    # the shared route (DLT-52); the platform's template is sent by name.
    expect(own.send(unique_phone()), 422, "dlt_rejected", "own template on the shared route")
    p3 = unique_phone()
    eq(own.send_ok(p3, template="shared_otp")["cost_paise"], 22, "shared price of the tenant")
    eq(gw.wait_sends(p3)[0]["body"]["senderId"], "STRMSG", "shared header")
    expect(og.call("PATCH", "/v1/tenants/%s" % own.id, {"route": "own"}, og.admin), 200)
    # A tenant's explicit price_paise beats both.
    fixed = og.setup_tenant()  # the harness sets price_paise 25
    eq(fixed.send_ok(unique_phone())["cost_paise"], 25, "explicit price")
    # Usage and invoices split by route.
    for mid in [m["id"] for m in expect(og.call("GET", "/v1/messages?limit=100", key=og.admin),
                                        200)["data"]]:
        og.wait_message(mid)
    month, start, end = local_month()
    u = expect(og.call("GET", "/v1/usage?from=%s&to=%s&tenant_id=%s" % (start, end, own.id),
                       key=og.admin), 200)
    eq(u["tenants"][0]["routes"], {"own": {"total_sms": 2, "total_cost_paise": 34},
                                   "shared": {"total_sms": 1, "total_cost_paise": 22}},
       "usage by route")
    inv = expect(og.call("GET", "/v1/invoices/%s" % month, key=og.admin), 200)
    lines = {x["tenant_id"]: x for x in inv["lines"]}
    eq(lines[small.id]["routes"], {"shared": {"total_sms": 1, "total_cost_paise": 25}},
       "invoice line by route")
    for x in inv["lines"]:
        eq(sum(v["total_cost_paise"] for v in x["routes"].values()), x["total_cost_paise"],
           "routes add up for %s" % x["tenant_id"])
    st, _, text = og.call("GET", "/v1/invoices/%s?format=csv" % month, key=og.admin)
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    for col in ("own_sms", "own_cost_paise", "shared_sms", "shared_cost_paise"):
        ok(col in head, "CSV column %s" % col)
    row = next(r for r in rows if r[head.index("tenant_id")] == own.id)
    eq([int(row[head.index(c)]) for c in ("own_sms", "own_cost_paise", "shared_sms",
                                          "shared_cost_paise")], [2, 34, 1, 22], "CSV by route")


@case
def own_route_missing_pieces_never_use_shared():
    gw, og = stack()
    setup_platform(og)
    # A tenant on its own route without a PE-ID is refused, not routed shared.
    t = og.setup_tenant(pe_id=None, route="own")
    eq(t.obj["route"], "own", "explicit own")
    r = expect(t.send(unique_phone()), 422, "dlt_rejected")
    eq((r["error"]["dlt_code"], r["error"]["rule"]), ("SNDR-NT-MTCH", "DLT-01"), "no PE")
    eq(gw.sends(), [], "nothing went upstream")


@case
def operator_refusal_after_local_pass():
    """When the operator's registry differs from otpgate's (here: it never
    received the template), the peer refuses; the hold is released, the
    message fails with the operator's code, and the tenant pays nothing."""
    gw, og = stack()
    t = og.setup_tenant()
    expect(gw.call("POST", "/_registry", {"entities": [
        {"pe_id": "1101234567890123456",
         "headers": [{"header": "ALPHAR", "category": "service_implicit", "status": "active"}],
         "templates": [], "whitelist": []}]}), 200)
    r = t.send_ok(unique_phone())
    m = og.wait_message(r["message_id"], "failed")
    ok("TL-NT-FOUND" in m["error"], "the operator's code in the message: %r" % m["error"])
    w = t.wallet()
    eq((w["balance_paise"], w["held_paise"]), (10000, 0), "released, not charged")
    rec = gw.received()[-1]
    eq((rec["status"], rec["verdict"]), (400, "TL-NT-FOUND"), "the peer's verdict")
    expect(gw.call("POST", "/_registry", {}), 200)  # scrub off again


@case
def log_provider_carries_checked_chain():
    og = Otpgate(provider="log")
    setup_platform(og)
    t = og.setup_tenant(template=False, pe_id=None, sender_header=None, price_paise=None)
    m = t.send_ok(unique_phone())
    og.wait_message(m["message_id"])

    def line():
        try:
            with open(og.sms_log) as f:
                return [json.loads(x) for x in f.read().splitlines() if x.strip()]
        except OSError:
            return []
    got = wait_until(line, what="the SMS line")[0]
    eq((got["pe_id"], got["sender_header"], got["dlt_template_id"]),
       (PLATFORM_PE, "STRMSG", PLATFORM_TID), "log line")
    msg = og.message(m["message_id"])
    eq((msg["route"], msg["pe_id"]), ("shared", PLATFORM_PE), "message record")


@case
def platform_api_validation():
    gw, og = stack()
    r = expect(og.call("PATCH", "/v1/platform", {"pe_id": "12345"}, og.admin), 200)
    eq([w["rule"] for w in r["warnings"]], ["DLT-40"], "short PE-ID warned")
    expect(og.call("PATCH", "/v1/platform", {"sender_header": "strmsg"}, og.admin), 400,
           "invalid_request")
    expect(og.call("PATCH", "/v1/platform", {"pe_id": "1201234567890123456", "x": 1}, og.admin),
           400, "invalid_request")
    t = og.setup_tenant()
    for method, path in (("GET", "/v1/platform"), ("PATCH", "/v1/platform"),
                         ("GET", "/v1/platform/templates"), ("POST", "/v1/platform/headers")):
        expect(og.call(method, path, {} if method != "GET" else None, t.key), 403, "forbidden")
    acts = expect(og.call("GET", "/v1/audit?limit=100", key=og.admin), 200)["data"]
    ok(any(e["action"] == "platform.update" and e["tenant_id"] is None for e in acts),
       "platform changes audited as platform-level")


if __name__ == "__main__":
    main()
