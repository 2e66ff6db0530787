#!/usr/bin/python3
"""The touch UI in a real headless Chromium against `kioskd --simulate` (issue 11's test list, docs/ui-api.md).

Run by Tests/KioskDaemonTests/UIBrowserTests.swift (so it is part of `make test`), or by hand:
    /usr/bin/python3 Tests/Browser/ui_tests.py --kioskd .build/debug/kioskd --artefacts /tmp/ui-artefacts [--only NAME]
Every screen is screenshotted into ARTEFACTS/screens/; `--screenshots docs/screenshots` also copies the set there.
Exit status 0 when every test passed; each failure is printed with the screen it was on and kioskd's log tail.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_browser import Browser, Daemon, Failure, free_port, http  # noqa: E402

FORM = {
    "名称": "北京自助示范科技有限公司", "类型": "有限责任公司（自然人独资）", "法定代表人": "张三丰",
    "住所": "北京市东城区景山前街4号", "经营范围": "技术开发、技术咨询；销售电子产品。",
}
CAPITAL, PHONE = "100", "13812345678"

# The page's 适老化 numbers (issue 11 item 7): minimum body text px, target px, line-height ratio, contrast.
NORMAL = (24, 48, 1.0)
ELDERLY = (32, 60, 1.3)
MINIMUM_CONTRAST = 4.5

# Computed-style checks of every visible text and target on the screen; answers a list of problems.
STYLE_SCRIPT = """
const [minFont, minTarget, minLineRatio, minContrast] = arguments;
const problems = [];
const shown = (el) => {
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return false;
  for (let e = el; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (style.display === "none" || style.visibility === "hidden") return false;
  }
  return true;
};
const rgba = (text) => {
  const parts = text.match(/[\\d.]+/g).map(Number);
  return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
};
const luminance = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
};
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c.a >= 1) return c;
  }
  return {r: 255, g: 255, b: 255, a: 1};
};
const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " '" + (el.textContent || el.value || "").trim().slice(0, 20) + "'";
let texts = 0, targets = 0;
for (const el of document.querySelectorAll("body *")) {
  if (!shown(el)) continue;
  const hasText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim() !== "");
  const style = getComputedStyle(el);
  if (hasText || el.matches("input[type=text], textarea")) {
    texts += 1;
    const size = parseFloat(style.fontSize);
    if (size < minFont) problems.push(describe(el) + " font " + size + "px < " + minFont);
    const line = parseFloat(style.lineHeight);
    if (minLineRatio > 1 && !(line / size >= minLineRatio)) problems.push(describe(el) + " line-height " + style.lineHeight + " / " + size);
    const fg = rgba(style.color), bg = background(el);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const contrast = (hi + 0.05) / (lo + 0.05);
    if (contrast < minContrast) problems.push(describe(el) + " contrast " + contrast.toFixed(2));
  }
  if (el.matches("button, input, textarea, label.choice")) {
    targets += 1;
    const box = el.getBoundingClientRect();
    if (box.width < minTarget - 0.5 || box.height < minTarget - 0.5) problems.push(describe(el) + " target " + box.width.toFixed(0) + "x" + box.height.toFixed(0));
  }
}
if (texts === 0 || targets === 0) problems.push("nothing checked: " + texts + " texts, " + targets + " targets");
return problems;
"""


class Skip(Exception):
    """A test that cannot run against this kioskd (said so, never counted as passed)."""


class Suite:
    def __init__(self, args):
        self.args = args
        self.artefacts = os.path.abspath(args.artefacts)
        self.state_root = tempfile.mkdtemp(prefix="kioskd-ui-")
        self.browser = None
        self.daemon = None
        self.admin = None
        self.expected_console = []  # regexes of console errors a test provoked on purpose

    # MARK: set-up

    def start_daemon(self, name, config=None, cups=True, port=None, central=False):
        config = dict(config or {})
        config.setdefault("flow", {}).setdefault("endScreenSeconds", 3)
        daemon = Daemon(self.args.kioskd, os.path.join(self.state_root, name), port or free_port(), config, cups=cups,
                        central=central)
        daemon.start()
        return daemon

    def use(self, daemon):
        if self.admin:
            self.admin.close()
        self.daemon = daemon
        self.admin = daemon.admin()
        self.browser.open(daemon.url)
        self.browser.wait_screen("welcome", 20)

    def shoot(self, name):
        self.browser.shoot(name)

    def check_console(self):
        """No console errors beyond the ones the test provoked (a refused form answers 422, which Chromium logs)."""
        unexpected = []
        for entry in self.browser.console():
            if entry["level"] not in ("SEVERE", "ERROR"):
                continue
            if any(re.search(pattern, entry["message"]) for pattern in self.expected_console):
                continue
            unexpected.append(entry["message"])
        self.expected_console = []
        if unexpected:
            raise Failure("console errors: %s" % unexpected)

    def check_styles(self, mode, where):
        minimum_font, minimum_target, line_ratio = mode
        problems = self.browser.js(STYLE_SCRIPT, minimum_font, minimum_target, line_ratio, MINIMUM_CONTRAST)
        if problems:
            raise Failure("%s: %d style problems: %s" % (where, len(problems), problems[:8]))

    def settle(self):
        """Back to an idle kioskd and the welcome screen between tests, whatever a failed test left."""
        try:
            step = self.admin.status().get("flow", {}).get("step")
            if step not in (None, "idle"):
                self.admin.request({"command": "flow", "event": "cancel"})
                if step in ("licencePrintProblem",):
                    self.admin.staff("hand-off")
                self.admin.request({"command": "flow", "event": "skip-rating"})
                self.admin.wait("idle", timeout_s=40)
            self.admin.request({"command": "sim", "action": "lift-card"})
            self.browser.wait_screen("welcome", 20)
        except Exception as error:  # noqa: BLE001 - reported, the next test starts over
            print("  (settling failed: %s)" % error)

    # MARK: steps a citizen takes

    def to_form(self, card="resident"):
        b = self.browser
        b.tap("开始办理")
        b.wait_screen("placeCard")
        self.admin.sim("place-card", card=card)
        self.past_identity()
        b.wait_screen("form")
        self.admin.sim("lift-card")

    def identity_screen(self, timeout_s=20):
        """The screen after the card read: confirmIdentity (identity.faceVerification off) or captureFace."""
        self.browser.wait_js(
            "['confirmIdentity', 'captureFace'].includes(document.querySelector('main > section:not([hidden])').dataset.screen)",
            timeout_s, "confirmIdentity or captureFace")
        return self.browser.screen()

    def past_identity(self):
        """身份证比对 passed: 确认 on the confirm screen, or 开始比对 with the simulated camera and a matching face."""
        if self.identity_screen() == "captureFace":
            self.browser.tap("开始比对")
        else:
            self.browser.tap("确认")

    def set_face(self, mode):
        """The simulated identity service's answer to the next comparisons: match, no-match, unavailable, slow.
        Through admin.sock's `sim` like every simulator here; `kioskctl simulate face MODE` if the action is not
        known there."""
        reply = self.admin.request({"command": "sim", "action": "face", "mode": mode})
        if reply.get("ok") is True:
            return
        kioskctl = os.path.join(os.path.dirname(os.path.abspath(self.args.kioskd)), "kioskctl")
        try:
            done = subprocess.run([kioskctl, "--socket", self.daemon.admin_socket, "simulate", "face", mode],
                                  capture_output=True, text=True, timeout=30)
        except OSError as error:
            done = subprocess.CompletedProcess([kioskctl], 127, "", str(error))
        if done.returncode != 0:
            if os.environ.get("CI") != "true":
                # A kioskd without the face comparison (the camera and identity simulators, issue 15): not a failure
                # here, but under CI=true it is, so a missing simulator cannot hide.
                raise Skip("kioskd has no simulated face comparison (sim face: %r)" % reply)
            raise Failure("could not set the simulated face comparison to %s: sim said %r, kioskctl said %r"
                          % (mode, reply, (done.stdout + done.stderr).strip()))

    def wait_preview(self, timeout_s=20):
        """The live preview <img>, in the shown screen, shows a frame of the stream (its naturalWidth is known only
        once a JPEG has been decoded)."""
        self.browser.wait_js(
            "(() => { const i = document.getElementById('face-preview'); const s = document.querySelector('main > section:not([hidden])');"
            " return !!i && s.contains(i) && (i.getAttribute('src') || '').indexOf('/ui/v1/camera') >= 0 && i.naturalWidth > 0; })()",
            timeout_s, "a frame in the live preview")

    def previews_closed(self):
        """The page emptied every preview <img>, and kioskd has no preview stream open."""
        b = self.browser
        if b.js("return !!document.getElementById('face-preview').getAttribute('src')"):
            raise Failure("a preview <img> still has a src after the face step")
        deadline = time.monotonic() + 10
        while True:
            open_previews = self.admin.status().get("ui", {}).get("cameraPreviews")
            if not open_previews:
                return
            if time.monotonic() > deadline:
                raise Failure("kioskd still has %r preview streams open" % open_previews)
            time.sleep(0.2)

    def fill_form(self, **overrides):
        b = self.browser
        values = dict(FORM, **{k: v for k, v in overrides.items() if k in FORM})
        for label, value in values.items():
            b.type_into(label, value)
        b.keypad("注册资本", overrides.get("capital", CAPITAL))
        b.keypad("联系电话", overrides.get("phone", PHONE))

    def sign_and_declare(self, shots=False):
        b = self.browser
        b.wait_screen("signature")
        b.draw_signature()
        if shots:
            self.shoot("05-signature")
        b.tap("确认签字")
        b.wait_screen("declaration")
        b.tick("我已阅读并同意以上声明")
        if shots:
            self.shoot("07-declaration")
        b.tap("确认提交")

    def transaction_id(self):
        return self.admin.status().get("flow", {}).get("transactionID")

    def visible(self, element_id):
        return self.browser.js("const e = document.getElementById(arguments[0]); return !!e && !e.hidden && e.getClientRects().length > 0", element_id)

    def wait_visible(self, element_id, timeout_s=15):
        self.browser.wait_js("(() => { const e = document.getElementById('%s'); return e && !e.hidden && e.getClientRects().length > 0; })()" % element_id, timeout_s, "#%s visible" % element_id)

    def issue_beside(self, label):
        """The issue text shown beside the field `label` names (the element its input's aria-describedby names)."""
        field = self.browser.field(label)
        issue = self.browser.driver.find_element("id", field.get_attribute("aria-describedby"))
        same_field = self.browser.js("return arguments[0].closest('.field') === arguments[1].closest('.field')", field, issue)
        return issue.text if issue.is_displayed() and same_field else ""

    # MARK: the tests

    def test_dns_rebinding_and_origin(self):
        port = self.daemon.port
        status, body = http(port, "GET", "/ui/v1/state", host="evil.example:%d" % port)
        if status != 421:
            raise Failure("a foreign Host got %d, expected 421" % status)
        status, body = http(port, "GET", "/", host="localhost:%d" % port)
        if status != 200 or b"default-src 'self'" not in body:
            raise Failure("GET / with Host localhost: %d, CSP meta present: %s" % (status, b"default-src" in body))
        event = json.dumps({"event": "stillHere"})
        status, _ = http(port, "POST", "/ui/v1/events", {"Content-Type": "application/json"}, event)
        if status != 403:
            raise Failure("a POST without Origin got %d, expected 403" % status)
        status, _ = http(port, "POST", "/ui/v1/events", {"Content-Type": "application/json", "Origin": "http://evil.example"}, event)
        if status != 403:
            raise Failure("a POST from another origin got %d, expected 403" % status)
        status, _ = http(port, "POST", "/ui/v1/events", {"Content-Type": "text/plain", "Origin": "http://127.0.0.1:%d" % port}, event)
        if status != 415:
            raise Failure("a text/plain POST got %d, expected 415" % status)

    def test_happy_path(self):
        b, admin = self.browser, self.admin
        self.check_styles(NORMAL, "welcome")
        self.shoot("01-welcome")
        b.tap("开始办理")
        b.wait_screen("placeCard")
        self.check_styles(NORMAL, "placeCard")
        self.shoot("02-place-card")
        admin.sim("place-card", card="resident")
        if self.identity_screen() == "captureFace":
            # identity.faceVerification required: the face step has its own test (test_face_step_match).
            b.tap("开始比对")
            b.wait_screen("form", 30)
            admin.sim("lift-card")
            transaction = self.transaction_id()
            return self.happy_path_from_form(transaction)
        name = b.js("return document.getElementById('identity-name').textContent")
        number = b.js("return document.getElementById('identity-number').textContent")
        if not name or "*" not in number or re.search(r"\d{17}[\dX]", b.visible_text()):
            raise Failure("identity shown as %r / %r (a name and a masked number expected)" % (name, number))
        self.check_styles(NORMAL, "confirmIdentity")
        self.shoot("03-confirm-identity")
        b.tap("确认")
        b.wait_screen("form")
        admin.sim("lift-card")
        transaction = self.transaction_id()
        self.happy_path_from_form(transaction)

    def happy_path_from_form(self, transaction):
        b = self.browser
        self.fill_form()
        self.check_styles(NORMAL, "form")
        self.shoot("04-form")
        b.tap("下一步")
        b.wait_screen("signature")
        # A single tap is not a signature: refused on the page, the screen stays.
        b.tap_canvas()
        b.tap("确认签字")
        self.wait_visible("signature-issue")
        self.shoot("06-signature-refused")
        if b.screen() != "signature":
            raise Failure("a trivial signature left the signature screen")
        b.tap("重签")
        self.check_styles(NORMAL, "signature")
        self.sign_and_declare(shots=True)
        b.wait_js("['approving', 'printing', 'rating'].includes(document.querySelector('main > section:not([hidden])').dataset.screen)", 30, "approving or printing")
        if b.screen() == "approving":
            self.shoot("08-approving")
        b.wait_screen("printing", 30)
        self.shoot("09-printing")
        b.wait_screen("rating", 120)
        if not self.visible("collect"):
            raise Failure("the rating screen does not say to collect the licence and receipt")
        self.check_styles(NORMAL, "collect and rating")
        self.shoot("10-collect-and-rating")
        b.tap("满意")
        if b.js("return document.querySelector('.grade[data-grade=\"4\"]').getAttribute('aria-pressed')") != "true":
            raise Failure("满意 is not marked as chosen")
        b.tap("提交评价")
        b.wait_screen("done", 30)
        if b.js("return document.getElementById('done-name').textContent") != FORM["名称"]:
            raise Failure("done does not name the enterprise: %r" % b.js("return document.getElementById('done-name').textContent"))
        self.check_styles(NORMAL, "done")
        self.shoot("11-done")
        b.wait_screen("welcome", 30)
        record = self.daemon.transaction_record(transaction)
        if not record or record["outcome"] != "completed" or record.get("rating_grade") != 4:
            raise Failure("the record of %s: %r" % (transaction, record and {k: record.get(k) for k in ("outcome", "rating_grade")}))
        if not (record.get("signature_png") or b"").startswith(b"\x89PNG"):
            raise Failure("the record of %s has no PNG signature image" % transaction)
        if b.js("return document.getElementById('f-name').value") != "":
            raise Failure("the form still holds the last citizen's data on welcome")
        self.check_console()

    def test_card_read_error_then_success(self):
        b, admin = self.browser, self.admin
        b.tap("开始办理")
        b.wait_screen("placeCard")
        admin.sim("card-read-failures", count=1)
        admin.sim("place-card", card="resident")
        self.wait_visible("card-error", 20)
        if "读取失败" not in b.js("return document.getElementById('card-error').textContent"):
            raise Failure("card error says %r" % b.js("return document.getElementById('card-error').textContent"))
        self.shoot("12-card-read-error")
        admin.sim("lift-card", waitForPoll=True)
        admin.sim("place-card", card="resident")
        b.tap("不是本人" if self.identity_screen() == "confirmIdentity" else "取消办理")
        b.wait_screen("cancelled", 10)
        self.shoot("18-cancelled")
        b.wait_screen("welcome", 30)
        admin.sim("lift-card")
        self.check_console()

    def test_expired_card(self):
        b, admin = self.browser, self.admin
        b.tap("开始办理")
        b.wait_screen("placeCard")
        admin.sim("place-card", card="expired")
        self.wait_visible("card-error", 20)
        if "有效期" not in b.js("return document.getElementById('card-error').textContent"):
            raise Failure("an expired card is worded %r" % b.js("return document.getElementById('card-error').textContent"))
        self.shoot("13-card-expired")
        admin.sim("lift-card", waitForPoll=True)
        b.tap("取消办理")
        b.wait_screen("welcome", 30)
        self.check_console()

    def test_form_issues_rejection_authority_down_and_dissatisfied_rating(self):
        b, admin = self.browser, self.admin
        self.to_form()
        transaction = self.transaction_id()
        self.fill_form(名称="北京", phone="123", capital="")
        self.expected_console.append(r"/ui/v1/events .*status of 422")
        b.tap("下一步")
        self.wait_visible("issue-name")
        for label in ("名称", "注册资本", "联系电话"):
            if label not in self.issue_beside(label):
                raise Failure("no issue beside %s: %r" % (label, self.issue_beside(label)))
        if b.screen() != "form":
            raise Failure("a refused form left the form screen")
        self.shoot("14-form-issues")
        admin.sim("authority", mode="reject")
        self.fill_form()
        b.tap("下一步")
        self.sign_and_declare()
        self.wait_visible("rejected", 30)
        self.shoot("15-application-rejected")
        admin.sim("authority", mode="unavailable")
        b.tap("下一步")
        self.sign_and_declare()
        b.wait_screen("rating", 60)
        if not self.visible("rating-handoff"):
            raise Failure("the hand-off is not shown above the rating")
        heading = b.js("return document.getElementById('rating-handoff-heading').textContent")
        if not re.match(r"请到.+办理", heading):
            raise Failure("hand-off heading %r" % heading)
        b.tap("不满意")
        self.wait_visible("rating-reasons")
        b.tick("办事效率")
        b.tick("设备故障")
        b.tick("回访")
        self.shoot("16-handoff-and-dissatisfied-rating")
        b.tap("提交评价")
        b.wait_screen("handOff", 30)
        words = b.js("return document.getElementById('screen-handOff').innerText")
        if not re.search(r"请到.+办理", words) or not re.search(r"排队号\s*[A-Z]?\d+", words) or "登记机关" not in words:
            raise Failure("the hand-off screen says %r (window, ticket and a plain reason expected)" % words)
        self.shoot("17-handoff")
        b.wait_screen("welcome", 30)
        admin.sim("authority", mode="approve")
        record = self.daemon.transaction_record(transaction)
        if not record or record["outcome"] != "handedOff" or record.get("rating_grade") != 2:
            raise Failure("the record of %s: %r" % (transaction, record and {k: record.get(k) for k in ("outcome", "rating_grade")}))
        reasons = set((record.get("rating_reasons") or "").split(","))
        if reasons != {"efficiency", "deviceFault"} or record.get("follow_up_consent") != 1:
            raise Failure("reasons %r and consent %r in the record" % (reasons, record.get("follow_up_consent")))
        if record["record"].get("rating", {}).get("followUpConsent") is not True:
            raise Failure("the record's JSON rating: %r" % record["record"].get("rating"))
        self.check_console()

    def test_face_step_match(self):
        """The face step with the simulated camera and identity service: the live preview shows frames, 开始比对
        compares, and a match goes on to the form; the preview stream closes with the step."""
        b, admin = self.browser, self.admin
        self.set_face("match")
        b.tap("开始办理")
        b.wait_screen("placeCard")
        admin.sim("place-card", card="resident")
        b.wait_screen("captureFace", 20)
        self.wait_preview()
        words = b.js("return document.getElementById('screen-captureFace').innerText")
        if "请正对摄像头" not in words or self.visible("face-mismatch"):
            raise Failure("the face screen says %r (guidance, and no mismatch yet, expected)" % words)
        self.check_styles(NORMAL, "captureFace")
        self.shoot("03a-capture-face")
        b.tap("开始比对")
        b.wait_screen("form", 30)
        shown = [entry["screen"] for entry in b.js("return window.kioskMetrics.screens")]
        if "verifyingFace" not in shown[shown.index("captureFace"):]:
            raise Failure("verifyingFace was never shown between captureFace and form: %r" % shown[-6:])
        self.previews_closed()
        admin.sim("lift-card")
        admin.request({"command": "flow", "event": "cancel"})
        b.wait_screen("welcome", 30)
        self.check_console()

    def test_face_step_verifying_screen(self):
        """A slow comparison keeps 请稍候，正在比对 on screen with the preview still running."""
        b, admin = self.browser, self.admin
        self.set_face("slow")
        try:
            b.tap("开始办理")
            b.wait_screen("placeCard")
            admin.sim("place-card", card="resident")
            b.wait_screen("captureFace", 20)
            b.tap("开始比对")
            b.wait_screen("verifyingFace", 10)
            self.wait_preview()
            if "请稍候，正在比对" not in b.js("return document.getElementById('screen-verifyingFace').innerText"):
                raise Failure("the verifying screen does not say 请稍候，正在比对")
            self.check_styles(NORMAL, "verifyingFace")
            self.shoot("03b-verifying-face")
        finally:
            self.set_face("match")
        self.settle()
        self.previews_closed()
        self.check_console()

    def test_face_mismatch_three_times_hands_off(self):
        """No match three times: the attempts left after each, then the hand-off worded as a face mismatch."""
        b, admin = self.browser, self.admin
        self.set_face("no-match")
        try:
            b.tap("开始办理")
            b.wait_screen("placeCard")
            admin.sim("place-card", card="resident")
            for left in (2, 1):
                b.wait_screen("captureFace", 30)
                b.tap("开始比对")
                self.wait_visible("face-mismatch", 30)
                # The notice of the previous mismatch stays up while this attempt is compared: wait for its count.
                expected = "比对未通过，请再试一次（还可尝试 %d 次）" % left
                b.wait_js("document.getElementById('face-mismatch').textContent.includes(%s)" % json.dumps(expected),
                          30, "the face screen to say %s" % expected)
                self.wait_preview()
                if left == 2:
                    self.shoot("03c-face-mismatch")
            b.tap("开始比对")
            b.wait_screen("rating", 30)
            reason = b.js("return document.getElementById('rating-handoff-reason').textContent")
            if "现场人像与身份证多次比对未通过" not in reason:
                raise Failure("the hand-off above the rating says %r" % reason)
            self.previews_closed()
            b.tap("跳过")
            b.wait_screen("handOff", 30)
            words = b.js("return document.getElementById('screen-handOff').innerText")
            if "现场人像与身份证多次比对未通过" not in words or not re.search(r"请到.+办理", words):
                raise Failure("the hand-off screen says %r (the face-mismatch wording expected)" % words)
            self.shoot("03d-face-mismatch-handoff")
        finally:
            self.set_face("match")
        b.wait_screen("welcome", 30)
        admin.sim("lift-card")
        self.check_console()

    def test_licence_printer_jam_calls_staff(self):
        b, admin = self.browser, self.admin
        self.to_form()
        self.fill_form()
        b.tap("下一步")
        admin.sim("licence-fault", fault="media-jam")
        try:
            self.sign_and_declare()
            self.wait_visible("print-problem", 120)
            self.wait_visible("staff-banner", 10)
            self.shoot("27-printer-jam-staff-called")
            status = admin.status()
            if "staffCall" not in json.dumps(status):
                raise Failure("kioskctl status does not show the staff call: %s" % json.dumps(status)[:400])
        finally:
            admin.sim("licence-fault", fault="none")
        reply = admin.staff("hand-off")
        if reply.get("applied") is not True:
            raise Failure("staff hand-off: %r" % reply)
        b.wait_screen("rating", 30)
        b.tap("跳过")
        b.wait_screen("handOff", 30)
        # The jam is still in the printer (the simulator clears it only with the next sheet): a required device is
        # down, so no next citizen may start — 暂停服务 names the licence printer. This test therefore runs last.
        b.wait_screen("outOfService", 30)
        if "营业执照打印机" not in b.js("return document.getElementById('screen-outOfService').innerText"):
            raise Failure("暂停服务 does not name the licence printer")
        self.shoot("28-out-of-service-device")
        self.check_console()

    def test_elderly_mode_and_call_staff(self):
        b, admin = self.browser, self.admin
        b.tap("适老模式")
        b.wait_screen("placeCard")
        if not b.js("return document.documentElement.classList.contains('elderly')"):
            raise Failure("适老模式 did not enlarge the page")
        self.check_styles(ELDERLY, "elderly placeCard")
        self.shoot("19-elderly-place-card")
        b.tap("呼叫工作人员")
        self.wait_visible("staff-banner")
        self.shoot("20-staff-called")
        admin.staff("extend-time")
        b.wait_js("document.getElementById('staff-banner').hidden", 10, "the staff banner to go once staff acted")
        admin.sim("place-card", card="resident")
        b.wait_screen("confirmIdentity")
        self.check_styles(ELDERLY, "elderly confirmIdentity")
        b.tap("确认")
        b.wait_screen("form")
        admin.sim("lift-card")
        b.field("联系电话").click()
        self.wait_visible("keypad")
        self.check_styles(ELDERLY, "elderly form with keypad")
        self.shoot("21-elderly-form-keypad")
        b.tap("English")
        b.wait_js("document.querySelector('label[for=f-name]').textContent === 'Name'", 5, "English labels")
        self.shoot("22-form-english")
        b.tap("中文")
        b.tap("取消办理")
        b.wait_screen("welcome", 30)
        if b.js("return document.documentElement.classList.contains('elderly')"):
            raise Failure("适老模式 outlived its session")
        self.check_console()

    def test_out_of_service_when_inhibited(self):
        b, admin = self.browser, self.admin
        reply = admin.request({"command": "inhibit", "reason": "更换打印纸"})
        if reply.get("ok") is not True:
            raise Failure("inhibit: %r" % reply)
        try:
            b.wait_screen("outOfService", 10)
            words = b.js("return document.getElementById('screen-outOfService').innerText")
            if "暂停服务" not in words or "维护" not in words or "更换打印纸" not in words:
                raise Failure("暂停服务 says %r" % words)
            self.shoot("23-out-of-service")
        finally:
            admin.request({"command": "release"})
        b.wait_screen("welcome", 10)
        self.check_console()

    def test_restart_mid_form(self):
        b = self.browser
        self.to_form()
        b.type_into("名称", FORM["名称"])
        self.check_console()
        daemon = self.daemon
        self.admin.close()
        self.admin = None
        daemon.stop()
        b.wait_screen("outOfService", 30)
        if not self.visible("oos-unreachable"):
            raise Failure("暂停服务 without saying the terminal is recovering")
        self.shoot("24-out-of-service-unreachable")
        daemon.start()
        self.admin = daemon.admin()
        b.wait_js("document.querySelector('main > section:not([hidden])').dataset.screen !== 'outOfService'", 30, "the page to come back")
        screen = b.screen()
        if screen not in ("form", "placeCard"):
            raise Failure("after the restart the page shows %s, expected the resumed session" % screen)
        if screen == "placeCard":
            self.shoot("25-resumed-present-card-again")
            self.admin.sim("place-card", card="resident")
            b.wait_js("['form', 'confirmIdentity'].includes(document.querySelector('main > section:not([hidden])').dataset.screen)", 30, "the resumed session")
            if b.screen() == "confirmIdentity":
                b.tap("确认")
            b.wait_screen("form")
            self.admin.sim("lift-card")
        b.tap("取消办理")
        b.wait_screen("welcome", 30)
        self.browser.console()  # connection-refused errors while kioskd was down are expected

    def test_no_stale_done_after_restart(self):
        """kioskd stops while the page shows 办理完成: the page must not keep it; back, it shows what kioskd says."""
        b, admin = self.browser, self.admin
        form = {"kind": "company", "name": FORM["名称"], "entityType": FORM["类型"], "representative": FORM["法定代表人"],
                "registeredCapitalWan": int(CAPITAL), "address": FORM["住所"], "businessScope": FORM["经营范围"],
                "phone": PHONE}
        admin.request({"command": "flow", "event": "start"})
        admin.sim("place-card", card="resident")
        if admin.wait("verifyingIdentity", "capturingFace").get("step") == "capturingFace":
            # identity.faceVerification: required — 开始比对, then the form once the centre said match.
            admin.request({"command": "flow", "event": "capture-face"})
            admin.wait("fillingForm")
        else:
            admin.request({"command": "flow", "event": "confirm-identity"})
        admin.sim("lift-card")
        for request in ({"event": "submit-form", "form": form}, {"event": "sign", "signatureSHA256": "5a" * 32},
                        {"event": "confirm", "declarationAccepted": True}):
            reply = admin.request(dict(request, command="flow"))
            if reply.get("applied") is not True:
                raise Failure("%s: %r" % (request["event"], reply))
        admin.wait("rating", timeout_s=120)
        admin.request({"command": "flow", "event": "rate", "grade": 5})
        b.wait_screen("done", 30)
        self.admin.close()
        self.admin = None
        self.daemon.stop()
        b.wait_screen("outOfService", 30)
        self.daemon.start()
        self.admin = self.daemon.admin()
        b.wait_screen("welcome", 30)
        if b.js("return document.getElementById('done-name').textContent") != "":
            raise Failure("the last citizen's enterprise stayed in the page")
        self.browser.console()  # connection-refused errors while kioskd was down are expected

    def test_walk_away_at_each_step(self):
        b = self.browser
        steps = ("awaitingCard", "verifyingIdentity", "fillingForm", "awaitingSignature")
        daemon = self.start_daemon("walk-away", {"flow": {"timeoutsSeconds": dict({s: 6 for s in steps}, fillingForm=15), "warningSeconds": 3, "endScreenSeconds": 2}}, cups=False)
        try:
            self.use(daemon)
            admin = self.admin
            # awaitingCard
            b.tap("开始办理")
            b.wait_screen("placeCard")
            self.wait_visible("countdown", 10)
            self.shoot("26-countdown")
            seconds = "parseInt(document.getElementById('countdown-text').textContent.match(/\\d+/)[0])"
            b.wait_js(seconds + " <= 3", 10, "the countdown to run down to 3 s")
            b.tap("继续办理")
            b.wait_js(seconds + " >= 5", 3, "继续办理 to restore the step's full time")
            b.wait_screen("welcome", 20)
            # verifyingIdentity
            b.tap("开始办理")
            b.wait_screen("placeCard")
            admin.sim("place-card", card="resident")
            b.wait_screen("confirmIdentity")
            name = b.js("return document.getElementById('identity-name').textContent")
            b.wait_screen("welcome", 20)
            admin.sim("lift-card")
            if name in b.visible_text() or name in b.js("return document.body.textContent"):
                raise Failure("the citizen's name stayed in the page after the timeout")
            # fillingForm
            self.to_form()
            b.type_into("名称", FORM["名称"])
            self.wait_visible("countdown", 10)
            b.wait_screen("welcome", 20)
            if b.js("return document.getElementById('f-name').value") != "":
                raise Failure("the form kept its data after the timeout")
            # awaitingSignature
            self.to_form()
            self.fill_form()
            b.tap("下一步")
            b.wait_screen("signature")
            b.draw_signature()
            b.wait_screen("welcome", 20)
            inked = b.js("const c = document.getElementById('signature-pad'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 0; i < d.length; i += 4) if (d[i] < 200) return true; return false;")
            if inked or b.js("return document.getElementById('f-phone').value") != "":
                raise Failure("the signature or the form outlived the timeout")
            self.check_console()
        finally:
            if self.admin:
                self.admin.close()
                self.admin = None
            daemon.stop()


FACE_TESTS = ("test_face_step_match", "test_face_step_verifying_screen", "test_face_mismatch_three_times_hands_off")

ORDER = [
    "test_dns_rebinding_and_origin", "test_happy_path", "test_card_read_error_then_success", "test_expired_card",
    "test_form_issues_rejection_authority_down_and_dissatisfied_rating", "test_elderly_mode_and_call_staff",
    "test_out_of_service_when_inhibited", "test_restart_mid_form", "test_no_stale_done_after_restart",
    "test_walk_away_at_each_step",
    # On a kioskd of their own with the central simulator: its identity service makes --simulate compare faces.
    "test_face_step_match", "test_face_step_verifying_screen", "test_face_mismatch_three_times_hands_off",
    "test_licence_printer_jam_calls_staff",  # last: the jam leaves the terminal out of service
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kioskd", required=True)
    parser.add_argument("--artefacts", required=True)
    parser.add_argument("--screenshots", help="also copy the screenshots here (docs/screenshots)")
    parser.add_argument("--only", action="append", help="run only tests whose name contains this")
    args = parser.parse_args()
    suite = Suite(args)
    names = [n for n in ORDER if not args.only or any(o in n for o in args.only)]
    failures = []
    skipped = []
    began = time.monotonic()
    main_daemon = None
    face_daemon = None
    suite.browser = Browser(os.path.join(suite.artefacts, "screens"))
    try:
        main_daemon = suite.start_daemon("main", cups=True)
        suite.use(main_daemon)
        for name in names:
            started = time.monotonic()
            try:
                if name == "test_walk_away_at_each_step":
                    getattr(suite, name)()
                    suite.use(main_daemon)
                elif name in FACE_TESTS:
                    if face_daemon is None:
                        face_daemon = suite.start_daemon("face", cups=False, central=True)
                    suite.use(face_daemon)
                    getattr(suite, name)()
                    suite.use(main_daemon)
                else:
                    getattr(suite, name)()
                print("ok   %s (%.1f s)" % (name, time.monotonic() - started), flush=True)
            except Skip as why:
                skipped.append(name)
                print("skip %s: %s" % (name, why), flush=True)
            except Exception as error:  # noqa: BLE001 - every test runs, each failure is reported
                failures.append(name)
                print("FAIL %s (%.1f s): %s" % (name, time.monotonic() - started, error), flush=True)
                traceback.print_exc()
                try:
                    suite.browser.shoot("failed-" + name)
                except Exception:  # noqa: BLE001
                    pass
                print("  kioskd log tail:\n" + "\n".join("    " + l for l in suite.daemon.log().splitlines()[-25:]))
                if suite.daemon is not main_daemon or suite.admin is None:
                    try:
                        if main_daemon.process is None:
                            main_daemon.start()
                        suite.use(main_daemon)
                    except Exception as again:  # noqa: BLE001
                        print("  could not get back to the main kioskd: %s" % again)
                        break
                suite.settle()
    finally:
        suite.browser.quit()
        if suite.admin:
            suite.admin.close()
        if main_daemon:
            main_daemon.stop()
        if face_daemon:
            face_daemon.stop()
        shutil.rmtree(suite.state_root, ignore_errors=True)
    if args.screenshots and not failures:
        os.makedirs(args.screenshots, exist_ok=True)
        for path in suite.browser.shots:
            if not os.path.basename(path).startswith("failed-"):
                shutil.copy(path, args.screenshots)
    print("%d of %d passed (%d skipped) in %.0f s; screenshots in %s" % (len(names) - len(failures) - len(skipped), len(names), len(skipped), time.monotonic() - began, suite.browser.artefacts))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
