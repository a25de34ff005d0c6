"""The table-driven DLT cases (tests/unit/dlt_cases/*.json) against the real
binary and the fake gateway playing the operator.

For each send case the registry is set up through the API, the fake
gateway is loaded with the same registry (read back from otpgate, as an
operator's DLT platform would hold it), and the send goes to otpgate. A
refused send must answer the case's status, code, DLT code and rule, leave
the wallet untouched, queue no message and reach no upstream; and the
message otpgate would have sent, sent straight to the fake gateway, must be
refused by it with the same operator code. An accepted send must reach the
gateway carrying the PE-ID, header and template the case expects, and pass
its scrub. Content cases go to the gateway alone; lint and registry cases
go to the API."""

import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SOURCE_DIR, case, eq, expect, main, ok, stack,  # noqa: E402
                     unique_id, unique_phone, wait_until)

CASES_DIR = os.path.join(SOURCE_DIR, "tests", "unit", "dlt_cases")
DEFAULT_PE = "1101234567890123456"
CODE = "49281130"  # the code the peer is shown; cut to the tenant's otp length
DEFAULT_TEMPLATES = [{"name": "login", "dlt_template_id": "1107160000000012345",
                      "body": "Your OTP for {#var#} is {#numeric#}. Valid for 5 minutes.",
                      "vars": ["appName", "otp"]}]
VAR_RE = re.compile(r"\{#(var|numeric|alphanumeric|url|cbn|email)#\}")


def load_cases():
    out = []
    for path in sorted(glob.glob(os.path.join(CASES_DIR, "*.json"))):
        with open(path, encoding="utf-8") as f:
            out.extend(json.load(f))
    return out


CASES = load_cases()


def by_kind(kind):
    return [c for c in CASES if c.get("kind", "send") == kind]


# ---------------------------------------------------------------- setup ----

def reset_platform(og):
    """Empties the platform's registry (it is shared by every case)."""
    for path, key in (("/v1/platform/templates", "name"), ("/v1/platform/headers", "header")):
        for item in expect(og.call("GET", path + "?limit=100", key=og.admin), 200)["data"]:
            expect(og.call("DELETE", "%s/%s" % (path, item[key]), key=og.admin), 204)
    for item in expect(og.call("GET", "/v1/platform/whitelist?limit=100", key=og.admin),
                       200)["data"]:
        expect(og.call("DELETE", "/v1/platform/whitelist", {"value": item["value"]},
                       og.admin), 204)
    expect(og.call("PATCH", "/v1/platform", {"pe_id": "", "sender_header": ""}, og.admin), 200)


def register(og, prefix, c, headers, whitelist, templates):
    for h in headers or []:
        expect(og.call("POST", prefix + "/headers", h, og.admin), (200, 201),
               msg="%s: header %s" % (c["id"], h))
    for w in whitelist or []:
        expect(og.call("POST", prefix + "/whitelist", w, og.admin), (200, 201),
               msg="%s: whitelist %s" % (c["id"], w))
    for t in templates or []:
        expect(og.call("POST", prefix + "/templates", t, og.admin), 201,
               msg="%s: template %s" % (c["id"], t.get("name")))


def make_tenant(og, c, credit=100000):
    t = c.get("tenant", {})
    tid = unique_id("dlt")
    body = {"id": tid, "name": t.get("name", "Alpha Retail"),
            "pe_id": t.get("pe_id", DEFAULT_PE),
            "sender_header": t.get("sender_header", "ALPHAR"),
            "otp": {"length": t.get("otp_length", 6)}}
    if "route" in c:
        body["route"] = c["route"]
    expect(og.call("POST", "/v1/tenants", body, og.admin), 201, msg="%s: tenant" % c["id"])
    if credit:
        og.credit(tid, credit)
    return tid


def setup_send_case(og, c):
    reset_platform(og)
    tid = make_tenant(og, c)
    if "platform" in c:
        expect(og.call("PATCH", "/v1/platform", c["platform"], og.admin), 200)
    register(og, "/v1/platform", c, c.get("platform_headers"), c.get("platform_whitelist"),
             c.get("platform_templates"))
    register(og, "/v1/tenants/" + tid, c, c.get("headers"), c.get("whitelist"),
             c.get("templates", DEFAULT_TEMPLATES))
    after = c.get("tenant", {}).get("pe_id_after")
    if after:
        expect(og.call("PATCH", "/v1/tenants/" + tid, {"pe_id": after}, og.admin), 200)
    return tid


def read_registry(og, prefix):
    def page(path):
        return expect(og.call("GET", prefix + path + "?limit=100", key=og.admin), 200)["data"]
    return page("/headers"), page("/templates"), page("/whitelist")


def peer_template(t):
    return {"id": t["dlt_template_id"], "content": t["body"], "category": t["category"],
            "status": t["status"], "headers": t["headers"],
            "var_max_len": [v["max_len"] for v in t["variables"]]}


def entities_for(pe_id, headers, templates, whitelist, into):
    """Adds an owner's registry to the operator's view: its templates and
    whitelist under its PE-ID, each header under the PE it was registered with."""
    def entity(pe):
        for e in into:
            if e["pe_id"] == pe:
                return e
        e = {"pe_id": pe, "headers": [], "templates": [], "whitelist": []}
        into.append(e)
        return e
    if pe_id:
        e = entity(pe_id)
        e["templates"] += [peer_template(t) for t in templates]
        e["whitelist"] += [{"type": w["type"], "value": w["value"]} for w in whitelist]
    for h in headers:
        entity(h["pe_id"])["headers"].append({"header": h["header"], "category": h["category"],
                                              "status": h["status"]})


def peer_registry(og, tid):
    """What an operator holds: the tenant's and the platform's registries."""
    tenant = expect(og.call("GET", "/v1/tenants/" + tid, key=og.admin), 200)
    platform = expect(og.call("GET", "/v1/platform", key=og.admin), 200)
    entities = []
    entities_for(tenant["pe_id"], *read_registry(og, "/v1/tenants/" + tid), into=entities)
    entities_for(platform["pe_id"], *read_registry(og, "/v1/platform"), into=entities)
    return {"var_max_len": 30, "entities": entities}, tenant, platform


def would_send(og, c, tid, tenant, platform):
    """The message otpgate would send for the case: its route's PE-ID, the
    header chosen as docs/DLT.md says, the template ID and the text."""
    send = c.get("send", {})
    shared = tenant["route"] == "shared"
    own_h, own_t, _ = read_registry(og, "/v1/tenants/" + tid)
    plat_h, plat_t, _ = read_registry(og, "/v1/platform")

    def resolve(templates, ref):
        for t in templates:
            if (ref and (t["name"] == ref or t["dlt_template_id"] == ref)) or \
                    (not ref and t["default"]):
                return t
        return None
    ref = send.get("template", "")
    tmpl = resolve(own_t, ref) or (resolve(plat_t, ref) if shared else None)
    reg = tmpl
    if shared and tmpl:
        reg = next((t for t in plat_t if t["dlt_template_id"] == tmpl["dlt_template_id"]), None)
    default = (platform["sender_header"] if shared else tenant["sender_header"]) or ""
    header = send.get("sender_header") or (
        default if reg and default and default in reg["headers"] else
        (reg["headers"][0] if reg and reg["headers"] else default))
    values = dict(send.get("variables", {}))
    values.setdefault("appName", tenant["name"])
    values["otp"] = CODE[:tenant["otp"]["length"]]
    text = ""
    if tmpl:
        names = iter(tmpl["vars"])
        text = VAR_RE.sub(lambda m: values.get(next(names), ""), tmpl["body"])
    return {"phoneNumber": unique_phone(),
            "templateId": tmpl["dlt_template_id"] if tmpl else ref,
            "variables": {k: v for k, v in values.items()},
            "peId": (platform["pe_id"] if shared else tenant["pe_id"]) or "",
            "senderId": header or "", "text": text}


# ------------------------------------------------------------- checking ----

def check_error(c, body, status):
    e = c["expect"]
    eq(status, e["status"], "%s: status (%s)" % (c["id"], body))
    if status < 300:
        return
    err = body["error"]
    for k in ("code", "dlt_code", "rule"):
        if k in e:
            eq(err.get(k), e[k], "%s: error.%s (%s)" % (c["id"], k, err.get("message")))
    ok(err.get("message"), "%s: error.message" % c["id"])


def peer_send(gw, body):
    st, _, reply = gw.call("POST", "/otp/send", body)
    return st, reply


@case(timeout=600)
def send_cases_against_otpgate_and_peer():
    gw, og = stack()
    refused = 0
    for c in by_kind("send"):
        gw.call("POST", "/_registry", {})
        tid = setup_send_case(og, c)
        registry, tenant, platform = peer_registry(og, tid)
        expect(gw.call("POST", "/_registry", registry), 200, msg="%s: load the peer" % c["id"])
        before = len(gw.received())
        phone = unique_phone()
        body = {"tenant_id": tid, "phone": phone}
        for k in ("template", "sender_header", "variables"):
            if k in c.get("send", {}):
                body[k] = c["send"][k]
        st, _, reply = og.call("POST", "/v1/otp/send", body, og.admin)
        check_error(c, reply, st)
        if st >= 300:
            refused += 1
            # No hold, no message, no upstream call.
            w = og.wallet(tid)
            eq((w["balance_paise"], w["held_paise"]), (100000, 0), "%s: wallet" % c["id"])
            msgs = expect(og.call("GET", "/v1/messages?tenant_id=" + tid, key=og.admin), 200)
            eq(msgs["data"], [], "%s: no message" % c["id"])
            eq(len(gw.received()), before, "%s: no upstream call" % c["id"])
            # The operator refuses the same message, with the same code.
            msg = would_send(og, c, tid, tenant, platform)
            pst, preply = peer_send(gw, msg)
            eq(pst, 400, "%s: the peer's status for %s (%s)" % (c["id"], msg, preply))
            eq(preply.get("code"), c["expect"]["dlt_code"],
               "%s: the peer's code (%s)" % (c["id"], preply.get("message")))
            ok(preply["message"].startswith(c["expect"]["dlt_code"]),
               "%s: the code leads the peer's message" % c["id"])
            continue
        sent = wait_until(lambda: [r for r in gw.received()[before:]
                                   if r["body"].get("phoneNumber") == phone],
                          what="%s: the upstream send" % c["id"])[0]
        eq(sent["verdict"], "accepted", "%s: the peer's scrub (%s)" % (c["id"], sent))
        e, b = c["expect"], sent["body"]
        got = {"sender_header": b["senderId"], "pe_id": b["peId"],
               "dlt_template_id": b["templateId"]}
        for k in got:
            if k in e:
                eq(got[k], e[k], "%s: upstream %s" % (c["id"], k))
        m = og.wait_message(reply["message_id"])
        if "route" in e:
            eq(m["route"], e["route"], "%s: route" % c["id"])
        if "cost_paise" in e:
            eq(m["cost_paise"], e["cost_paise"], "%s: price" % c["id"])
        eq((m["sender_header"], m["pe_id"], m["dlt_template_id"]),
           (b["senderId"], b["peId"], b["templateId"]), "%s: the message record" % c["id"])
    ok(refused >= 20, "refused send cases: %d" % refused)
    # Refusals are counted per tenant and code.
    _, _, text = og.call("GET", "/metrics")
    ok(re.search(r'otpgate_dlt_rejected_total\{tenant_id="dlt_[^"]+",dlt_code="SNDR-NT-REG"\} 1',
                 text), "metrics by tenant and code")


@case
def content_cases_against_peer():
    gw, og = stack()
    for c in by_kind("content"):
        t = c.get("template", {})
        h = c.get("header", {})
        pe = c.get("pe_id", DEFAULT_PE)
        entity = {"pe_id": pe, "headers": [], "templates": [], "whitelist": c.get("whitelist", [])}
        header = {"header": h.get("name", "ALPHAR"), "category": h.get("category", "service_implicit"),
                  "status": h.get("status", "active")}
        entities = [entity]
        if h.get("pe_id", pe) == pe:
            entity["headers"].append(header)
        else:
            entities.append({"pe_id": h["pe_id"], "headers": [header]})
        if t.get("found", True):
            entity["templates"].append({"id": t["dlt_template_id"], "content": t["body"],
                                        "category": t.get("category", "service_implicit"),
                                        "status": t.get("status", "active"),
                                        "headers": t.get("headers", ["ALPHAR"]),
                                        "var_max_len": t.get("var_max_len", [])})
        expect(gw.call("POST", "/_registry", {"var_max_len": 30, "entities": entities}), 200)
        st, reply = peer_send(gw, {"phoneNumber": unique_phone(), "templateId": t["dlt_template_id"],
                                   "variables": {}, "peId": pe, "senderId": header["header"],
                                   "text": c["content"]})
        if c["expect"]["status"] < 300:
            eq(st, 201, "%s: the peer accepts (%s)" % (c["id"], reply))
            continue
        eq((st, reply.get("code")), (400, c["expect"]["dlt_code"]),
           "%s: the peer refuses (%s)" % (c["id"], reply.get("message")))
        if c["expect"]["dlt_code"] == "TL-ID-INVLD":
            # otpgate cannot hold such a template at all: registration refuses it.
            tid = make_tenant(og, c, credit=0)
            r = og.call("POST", "/v1/tenants/%s/templates" % tid,
                        {"name": "bad", "dlt_template_id": t["dlt_template_id"], "body": t["body"],
                         "vars": ["otp"]}, og.admin)
            eq((r[0], r[2]["error"]["rule"]), (400, "DLT-42"), "%s: registration" % c["id"])


@case
def lint_cases():
    gw, og = stack()
    for c in by_kind("lint"):
        tid = make_tenant(og, c, credit=0)
        register(og, "/v1/tenants/" + tid, c, c.get("headers"), c.get("whitelist"), None)
        body = dict(c["template"])
        body.setdefault("name", "t1")
        body.setdefault("dlt_template_id", "1107160000000040001")
        st, _, reply = og.call("POST", "/v1/tenants/%s/templates" % tid, body, og.admin)
        check_error(c, reply, st)
        if st == 201:
            got = sorted({w["rule"] for w in reply["warnings"]})
            eq(got, sorted(set(c["expect"].get("warnings", []))), "%s: warnings" % c["id"])
            if "vars" in c["expect"]:
                eq(reply["vars"], c["expect"]["vars"], "%s: vars" % c["id"])
            # Warnings are stored with the template, not just returned.
            listed = expect(og.call("GET", "/v1/tenants/%s/templates" % tid, key=og.admin), 200)
            eq(listed["data"][0]["warnings"], reply["warnings"], "%s: stored warnings" % c["id"])


@case
def registry_cases():
    gw, og = stack()
    for c in by_kind("registry"):
        tid = make_tenant(og, c, credit=0)
        if c["op"] == "platform":
            st, _, reply = og.call("PATCH", "/v1/platform", c["input"], og.admin)
        else:
            st, _, reply = og.call("POST", "/v1/tenants/%s/%ss" % (tid, c["op"])
                                   if c["op"] == "header" else
                                   "/v1/tenants/%s/whitelist" % tid, c["input"], og.admin)
        check_error(c, reply, st)
        if st < 300 and "warnings" in c["expect"]:
            eq(sorted(w["rule"] for w in reply["warnings"]), c["expect"]["warnings"],
               "%s: warnings" % c["id"])


@case
def enough_cases():
    ok(len(CASES) >= 40, "at least 40 cases: %d" % len(CASES))
    ids = [c["id"] for c in CASES]
    eq(len(ids), len(set(ids)), "case ids are unique")


if __name__ == "__main__":
    main()
