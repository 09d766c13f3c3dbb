#!/usr/bin/env python3
"""Drives headless Chromium through the costscope dashboard of a running server and prints
what it saw as one JSON document on stdout: the numbers of each view for each principal,
the anomaly and recommendation it changed, the view after a reload, the page width on a
phone, console errors, accessibility violations (axe-core), timings, and the sign-in at an
identity provider. The Rust test (dashboard.rs) compares all of it with the API.

Also takes the screenshots of docs/img/ (--screenshots DIR) against any server."""

import argparse
import base64
import json
import sys
import time
import urllib.parse

from playwright.sync_api import sync_playwright

VIEWS = ["executive", "finops", "team", "finance", "genai", "sql"]
READY = "main[data-ready='true']"
TIMEOUT = 180_000


class Session:
    """A browser context signed in (or not) with its console errors recorded."""

    def __init__(self, browser, url, errors, viewport=(1440, 900)):
        self.url = url
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            bypass_csp=True,  # axe-core is injected as an inline script
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        # Errors go to `errors`, except while `expected` collects those a step provokes.
        self.errors = errors
        self.expected = None

        def record(text):
            (self.expected if self.expected is not None else self.errors).append(text)

        self.page.on(
            "console",
            lambda m: m.type == "error" and record(f"{m.text} ({m.location.get('url', '')})"),
        )
        self.page.on("pageerror", lambda e: record(f"page error: {e}"))

    def sign_in(self, token):
        self.page.goto(self.url + "/")
        self.page.fill("#login-token", token)
        self.page.click("form.login button[type=submit]")
        self.wait_ready()
        return self.view()

    def wait_ready(self, view=None):
        if view:
            self.page.wait_for_function(
                "v => { const m = document.querySelector('main'); return m && m.dataset.view === v && m.dataset.ready === 'true'; }",
                arg=view,
            )
        else:
            self.page.wait_for_selector(READY)

    def view(self):
        return self.page.eval_on_selector("main", "m => m.dataset.view")

    def open(self, view, query=""):
        target = f"#/{view}{'?' + query if query else ''}"
        self.page.evaluate("t => { window.location.hash = t; }", target)
        self.wait_ready(view)

    def close(self):
        self.context.close()


def tables(page):
    """Every data table of the page: its name, header and rows (text and exact values)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('table[data-table]')].map(t => ({
            name: t.dataset.table,
            panel: (t.closest('section.panel') || {dataset: {}}).dataset.panel || null,
            header: [...t.querySelectorAll('thead th')].map(th => th.textContent.trim()),
            rows: [...t.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => ({
                text: td.textContent.trim(),
                value: td.dataset.value !== undefined && td.dataset.value !== '' ? Number(td.dataset.value) : null,
            }))),
        }))"""
    )


def snapshot(session):
    page = session.page
    return {
        "view": session.view(),
        "panels": page.eval_on_selector_all("section.panel", "s => s.map(p => p.dataset.panel)"),
        "nav": page.eval_on_selector_all("header.top nav a", "a => a.map(x => x.textContent)"),
        "text": page.inner_text("main"),
        "tables": tables(page),
        "errors": page.eval_on_selector_all("main .error", "e => e.map(x => x.textContent)"),
        "state_buttons": len(page.query_selector_all("button[data-feedback], button[data-action]")),
    }


def run_sql(page, sql):
    page.fill("#sql-editor", sql)
    page.click("#sql-run")
    page.wait_for_selector("#sql-output #sql-status, #sql-output .error")
    return {
        "status": page.inner_text("#sql-output"),
        "tables": [t for t in tables(page) if t["name"] == "sql-result"],
    }


def completion(page, prefix):
    page.fill("#sql-editor", "")
    page.focus("#sql-editor")
    page.keyboard.type(prefix)
    page.keyboard.press("Control+Space")
    items = page.eval_on_selector_all("#sql-completion:not([hidden]) li", "l => l.map(x => x.textContent)")
    page.keyboard.press("Escape")
    return items


def analyst(browser, args, errors):
    s = Session(browser, args.url, errors)
    out = {"landing": s.sign_in(args.analyst), "views": {}}
    out["nav"] = s.page.eval_on_selector_all("header.top nav a", "a => a.map(x => x.textContent)")
    for view in VIEWS:
        if view.capitalize() not in out["nav"] and not (view == "sql" and "SQL" in out["nav"]) and not (
            view == "finops" and "FinOps" in out["nav"]
        ) and not (view == "genai" and "GenAI" in out["nav"]):
            continue
        s.open(view)
        out["views"][view] = snapshot(s)
    if "SQL" in out["nav"]:
        s.open("sql")
        out["sql_accounts"] = run_sql(s.page, "SELECT DISTINCT line_item_usage_account_name AS account FROM cur ORDER BY 1")
        # Refused: the browser logs the 400 answer, which is the point here.
        s.expected = []
        out["sql_flow_logs"] = run_sql(s.page, "SELECT COUNT(*) AS n FROM flow_logs")
        out["sql_flow_logs"]["console"] = s.expected
        s.expected = None
        out["completion_unblended"] = completion(s.page, "line_item_unbl")
        out["completion_usage"] = completion(s.page, "line_item_usage_acc")
    s.close()
    return out


def admin(browser, args, errors):
    s = Session(browser, args.url, errors)
    page = s.page
    out = {"landing": s.sign_in(args.admin)}
    out["nav"] = page.eval_on_selector_all("header.top nav a", "a => a.map(x => x.textContent)")
    s.open("finops")
    out["finops"] = snapshot(s)
    # The NAT anomaly: open it, read its cause and evidence, confirm it.
    row = page.query_selector("table[data-table='anomalies'] tr[data-network='true']")
    anomaly = row.get_attribute("data-anomaly")
    out["anomaly"] = anomaly
    page.click(f"button[data-open='{anomaly}']")
    page.wait_for_selector("#panel-anomaly-detail #flow-evidence")
    out["cause_tree"] = page.inner_text("#cause-tree")
    out["evidence"] = page.inner_text("#flow-evidence")
    out["anomaly_url"] = page.evaluate("location.hash")
    page.click(f"#panel-inbox button[data-feedback='confirmed'][data-anomaly='{anomaly}']")
    page.wait_for_selector(
        f"#panel-inbox button[data-feedback='confirmed'][data-anomaly='{anomaly}'][aria-pressed='true']"
    )
    page.wait_for_selector("#panel-anomaly-detail #anomaly-feedback")
    out["anomaly_feedback"] = page.inner_text("#anomaly-feedback")
    # A recommendation: accept the largest open one.
    button = page.query_selector("#panel-pipeline button[data-action='accept']")
    rec = button.get_attribute("data-rec")
    out["recommendation"] = rec
    button.click()
    page.wait_for_selector(f"#panel-pipeline tr[data-status='accepted'] button[data-rec='{rec}']")
    # The audit log panel after the changes.
    s.open("executive")
    s.open("finops")
    out["audit"] = [t for t in tables(page) if t["name"] == "audit"]
    # Every view as the administrator.
    out["views"] = {}
    for view in VIEWS:
        s.open(view)
        out["views"][view] = snapshot(s)
    s.close()
    return out


def url_state(browser, args, errors):
    """A view opened from a URL with filters, then reloaded."""
    s = Session(browser, args.url, errors)
    s.sign_in(args.admin)
    page = s.page
    page.goto(f"{args.url}/#/executive?{args.filters}")
    s.wait_ready("executive")

    def read():
        inputs = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('form.filter-bar [name]')].map(e => [e.name, e.value]))"
        )
        spend = [t for t in tables(page) if t["name"] == "spend-by-month"]
        return {"hash": page.evaluate("location.hash"), "inputs": inputs, "spend": spend}

    before = read()
    page.reload()
    s.wait_ready("executive")
    after = read()
    s.close()
    return {"before": before, "after": after}


def phone(browser, args, errors):
    s = Session(browser, args.url, errors, viewport=(390, 844))
    s.sign_in(args.admin)
    widths = {}
    for view in VIEWS:
        s.open(view)
        widths[view] = s.page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
        )
    s.close()
    return widths


def accessibility(browser, args, errors):
    """axe-core's serious and critical violations on the sign-in page and every view."""
    s = Session(browser, args.url, errors)
    found = {}

    def check(name):
        s.page.add_script_tag(path=args.axe)
        result = s.page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
        )
        found[name] = result

    s.page.goto(args.url + "/")
    s.page.wait_for_selector("#login-token")
    check("login")
    s.page.fill("#login-token", args.admin)
    s.page.click("form.login button[type=submit]")
    s.wait_ready()
    for view in VIEWS:
        s.open(view)
        check(view)
    s.open("finops")
    s.page.click("#panel-inbox button.source")
    check("source-dialog")
    s.close()
    return found


def timings(browser, args, errors, runs):
    """For each view: the time from navigation to every panel loaded (its first meaningful
    paint), the first contentful paint, and each panel's load (its API calls and
    rendering). The first round is cold (nothing in the browser's cache, answers computed),
    the others warm."""
    s = Session(browser, args.url, errors)
    s.sign_in(args.admin)
    out = {view: {"ready_ms": [], "fcp_ms": [], "panels": {}} for view in VIEWS}
    for _ in range(runs):
        for view in VIEWS:
            s.page.goto("about:blank")
            started = time.perf_counter()
            s.page.goto(f"{args.url}/#/{view}")
            s.wait_ready(view)
            out[view]["ready_ms"].append(round(1000 * (time.perf_counter() - started)))
            fcp = s.page.evaluate(
                "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
            )
            out[view]["fcp_ms"].append(round(fcp) if fcp else None)
            for panel, ms, calls in s.page.evaluate(
                "() => CS.panels.filter(p => p.section).map(p => [p.section.dataset.panel, Number(p.section.dataset.loadedMs), p.requests.map(r => [`${r.method} ${r.path}`, r.ms])])"
            ):
                times = out[view]["panels"].setdefault(panel, {"load_ms": [], "calls": {}})
                times["load_ms"].append(ms)
                for call, call_ms in calls:
                    times["calls"].setdefault(call, []).append(call_ms)
    s.close()
    return {"runs": out, "summary": summarize(out)}


def percentile(values, p):
    """The nearest-rank percentile `p` (0-100) of `values`."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return values[max(0, -(-len(values) * p // 100) - 1)]


def summarize(runs):
    """Per view: the cold (first) and warm (p50, p95 of the rest) time to every panel
    loaded; per panel and API call: the cold time and the p95 of all runs."""
    summary = {}
    for view, t in runs.items():
        warm = t["ready_ms"][1:]
        summary[view] = {
            "ready_cold_ms": t["ready_ms"][0],
            "ready_warm_p50_ms": percentile(warm, 50),
            "ready_warm_p95_ms": percentile(warm, 95),
            "fcp_p50_ms": percentile(t["fcp_ms"], 50),
            "panels": {
                panel: {
                    "load_cold_ms": p["load_ms"][0],
                    "load_p95_ms": percentile(p["load_ms"], 95),
                    "calls_p95_ms": {call: percentile(ms, 95) for call, ms in p["calls"].items()},
                    "calls_cold_ms": {call: ms[0] for call, ms in p["calls"].items()},
                }
                for panel, p in t["panels"].items()
            },
        }
    return summary


def markdown(summary):
    """The timings summary as two Markdown tables: views, then panels with their calls."""
    lines = [
        "| View | First load (ms) | Warm p50 (ms) | Warm p95 (ms) | First contentful paint p50 (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for view, t in summary.items():
        lines.append(
            f"| {view} | {t['ready_cold_ms']} | {t['ready_warm_p50_ms']} | {t['ready_warm_p95_ms']} | {t['fcp_p50_ms']} |"
        )
    lines += ["", "| View | Panel | API call | First (ms) | p95 (ms) |", "|---|---|---|---:|---:|"]
    for view, t in summary.items():
        for panel, p in t["panels"].items():
            for call, p95 in p["calls_p95_ms"].items():
                lines.append(f"| {view} | {panel} | `{call}` | {p['calls_cold_ms'][call]} | {p95} |")
    return "\n".join(lines)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def oidc(browser, args, errors):
    """Signs in at a stand-in identity provider (served by request interception) that
    issues an id_token signed with the key whose public half the access file trusts."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_der_private_key(open(args.idp_key, "rb").read(), None)
    s = Session(browser, args.url, errors)
    issuer = args.issuer.rstrip("/")
    seen = {}

    def provider(route):
        url = urllib.parse.urlparse(route.request.url)
        if url.path == "/.well-known/openid-configuration":
            body = {"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize"}
            return route.fulfill(
                status=200,
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": "*"},
                body=json.dumps(body),
            )
        query = dict(urllib.parse.parse_qsl(url.query))
        seen.update(query)
        now = int(time.time())
        claims = {
            "sub": "carol", "iss": issuer, "aud": query["client_id"], "exp": now + 600, "iat": now,
            "nonce": query["nonce"], "groups": ["finops"],
        }
        header = {"alg": "RS256", "typ": "JWT", "kid": "idp-2026"}
        signing = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        signature = key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        fragment = urllib.parse.urlencode({"id_token": f"{signing}.{b64(signature)}", "state": query["state"]})
        target = f"{query['redirect_uri']}#{fragment}"
        return route.fulfill(
            status=200,
            content_type="text/html",
            body=f"<!doctype html><title>IdP</title><script>location.replace({json.dumps(target)})</script>",
        )

    s.context.route(issuer + "/**", provider)
    s.page.goto(args.url + "/#/genai")
    s.page.click("#login-oidc")
    s.wait_ready()
    out = {
        "view": s.view(),
        "whoami": s.page.inner_text("#whoami"),
        "hash": s.page.evaluate("location.hash"),
        "asked": {k: seen.get(k) for k in ("response_type", "client_id", "redirect_uri", "scope")},
    }
    s.close()
    return out


def screenshots(browser, args, errors):
    s = Session(browser, args.url, errors)
    s.sign_in(args.admin)
    for view in VIEWS:
        s.open(view, args.screenshot_query if view != "sql" else "")
        if view == "finops":
            row = s.page.query_selector("table[data-table='anomalies'] tr[data-network='true'] button[data-open]")
            if row:
                row.click()
                s.page.wait_for_selector("#flow-evidence")
        if view == "sql":
            run_sql(s.page, "SELECT line_item_usage_account_name AS account, SUM(line_item_unblended_cost) AS cost FROM cur GROUP BY 1 ORDER BY 2 DESC")
        s.page.evaluate("window.scrollTo(0, 0)")
        s.page.screenshot(path=f"{args.screenshots}/dashboard-{view}.png", full_page=True)
    s.close()
    if args.analyst:
        s = Session(browser, args.url, errors, viewport=(390, 844))
        s.sign_in(args.analyst)
        s.page.screenshot(path=f"{args.screenshots}/dashboard-team-phone.png", full_page=False)
        s.close()
        s = Session(browser, args.url, errors)
        s.page.goto(args.url + "/")
        s.page.wait_for_selector("#login-token")
        s.page.screenshot(path=f"{args.screenshots}/dashboard-login.png")
        s.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin", required=True, help="an administrator's token")
    parser.add_argument("--analyst", help="a restricted principal's token")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--axe", help="axe.min.js")
    parser.add_argument("--filters", default="measure=amortized", help="the query of the reloaded view")
    parser.add_argument("--idp-key", help="DER key of the identity provider the access file trusts")
    parser.add_argument("--issuer", default="https://idp.test")
    parser.add_argument("--timing-runs", type=int, default=0)
    parser.add_argument("--only", help="comma-separated scenarios to run (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print the timings as Markdown tables")
    parser.add_argument("--screenshots", help="only take screenshots into this folder")
    parser.add_argument("--screenshot-query", default="")
    args = parser.parse_args()

    errors = []
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        if args.screenshots:
            screenshots(browser, args, errors)
        else:
            scenarios = [
                ("analyst", lambda: analyst(browser, args, errors)),
                ("admin", lambda: admin(browser, args, errors)),
                ("url_state", lambda: url_state(browser, args, errors)),
                ("phone", lambda: phone(browser, args, errors)),
            ]
            if args.axe:
                scenarios.append(("axe", lambda: accessibility(browser, args, errors)))
            if args.idp_key:
                scenarios.append(("oidc", lambda: oidc(browser, args, errors)))
            if args.timing_runs:
                scenarios.append(("timings", lambda: timings(browser, args, errors, args.timing_runs)))
            if args.only:
                scenarios = [(n, f) for n, f in scenarios if n in args.only.split(",")]
            # A scenario that fails is reported, and the others still run.
            out["failures"] = {}
            for name, scenario in scenarios:
                try:
                    out[name] = scenario()
                except Exception as error:  # noqa: BLE001 - reported to the Rust test
                    out["failures"][name] = f"{type(error).__name__}: {error}"
                    out[name] = None
        browser.close()
    out["console_errors"] = errors
    if args.markdown and out.get("timings"):
        print(markdown(out["timings"]["summary"]))
        print(f"\nfailures: {out['failures']}; console errors: {errors}")
    else:
        json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
