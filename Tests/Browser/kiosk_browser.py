"""The harness of the touch UI's real-browser tests and benchmark (docs/ui-api.md, issue 11).

kioskd runs as a real process (`--simulate`, its own state directory); the page runs in a real headless Chromium
driven over WebDriver (Debian's chromium-driver and python3-selenium). Faults are driven through admin.sock's `sim`
commands, as a technician or the simulators would. Waits are on events with deadlines: readiness is kioskd's
sd_notify READY=1, screens are awaited with a MutationObserver inside the page, flow steps with admin.sock's `wait`.
"""

import base64
import json
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By


class Failure(Exception):
    pass


def free_port():
    """A loopback port free now, so a restarted kioskd can listen where the page reconnects."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Admin:
    """admin.sock: a hello line, then one JSON request line and one JSON reply line at a time."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.buffer = b""
        hello = self._read(30)
        if hello.get("class") != "hello":
            raise Failure("admin.sock said %r instead of hello" % hello)

    def _read(self, timeout):
        self.sock.settimeout(timeout)
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Failure("admin.sock closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def request(self, obj, timeout=40):
        self.sock.sendall(json.dumps(obj).encode() + b"\n")
        return self._read(timeout)

    def sim(self, action, **fields):
        reply = self.request(dict(command="sim", action=action, **fields))
        if reply.get("ok") is not True:
            raise Failure("sim %s: %r" % (action, reply))
        return reply

    def staff(self, action):
        return self.request(dict(command="staff", staffID="tech-1", action=action))

    def wait(self, *steps, timeout_s=30):
        reply = self.request(
            dict(command="flow", event="wait", anyOf=list(steps), timeoutMs=int(timeout_s * 1000)),
            timeout=timeout_s + 10)
        if reply.get("ok") is not True:
            raise Failure("waiting for %s: %r" % (steps, reply))
        return reply

    def status(self):
        return self.request(dict(command="status"))

    def close(self):
        self.sock.close()


class Daemon:
    """`kioskd --simulate` with its own state directory and a fixed UI port; ready when it says READY=1. With the
    central simulator (`central`), which brings the identity service, so the face comparison is required as in
    `make demo`; without it the confirm step stays."""

    def __init__(self, kioskd, state_dir, port, config=None, cups=True, central=False):
        self.kioskd, self.state_dir, self.port = kioskd, state_dir, port
        self.config = dict(config or {})
        self.config.setdefault("kioskID", "UI-TEST-01")
        self.config.setdefault("ui", {})["listen"] = "127.0.0.1:%d" % port
        self.cups = cups
        self.central = central
        self.process = None
        self.output = []
        os.makedirs(state_dir, exist_ok=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    @property
    def admin_socket(self):
        return os.path.join(self.state_dir, "admin.sock")

    def start(self, timeout=90):
        config_file = os.path.join(self.state_dir, "kioskd.json")
        with open(config_file, "w") as handle:
            json.dump(self.config, handle)
        notify_path = os.path.join(tempfile.mkdtemp(prefix="kioskd-notify-"), "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        arguments = [self.kioskd, "--simulate", "--state-dir", self.state_dir, "--config", config_file]
        if not self.central:
            arguments.append("--no-central")
        if not self.cups:
            arguments.append("--no-cups")
        environment = dict(os.environ, NOTIFY_SOCKET=notify_path)
        self.process = subprocess.Popen(
            arguments, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        threading.Thread(target=self._collect, args=(self.process,), daemon=True).start()
        end = time.monotonic() + timeout
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise Failure("kioskd did not say READY=1 (exit %r); output:\n%s" % (self.process.poll(), self.log()))
                notify.settimeout(min(left, 0.5))
                try:
                    message = notify.recv(4096).decode()
                except socket.timeout:
                    continue
                if "READY=1" in message.split("\n"):
                    return self
        finally:
            notify.close()
            os.unlink(notify_path)

    def _collect(self, process):
        for line in process.stdout:
            self.output.append(line.decode(errors="replace"))

    def log(self):
        return "".join(self.output[-200:])

    def stop(self, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def admin(self):
        return Admin(self.admin_socket)

    def transaction_record(self, transaction_id):
        """The stored record of an ended transaction, from kioskd's real SQLite file."""
        for name in sorted(os.listdir(self.state_dir)):
            path = os.path.join(self.state_dir, name)
            if not os.path.isfile(path) or name.endswith(("-wal", "-shm", ".json", ".sock")):
                continue
            try:
                with open(path, "rb") as handle:
                    if handle.read(16) != b"SQLite format 3\x00":
                        continue
                connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
                connection.row_factory = sqlite3.Row
                try:
                    row = connection.execute("SELECT * FROM transactions WHERE id = ?", (transaction_id,)).fetchone()
                finally:
                    connection.close()
            except sqlite3.Error:
                continue
            if row:
                columns = dict(row)
                columns["record"] = json.loads(columns.pop("record_json"))
                return columns
        return None


# A MutationObserver in the page resolves when PREDICATE (a JS expression, inlined: the page's CSP forbids eval and
# new Function) holds, or answers whether it holds at the deadline.
WAIT_SCRIPT = """
const [ms, done] = arguments;
const check = () => { try { return !!(PREDICATE); } catch (error) { return false; } };
if (check()) return done(true);
const observer = new MutationObserver(() => { if (check()) { observer.disconnect(); clearTimeout(timer); done(true); } });
observer.observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
const timer = setTimeout(() => { observer.disconnect(); done(check()); }, ms);
"""


class Browser:
    """One headless Chromium for the whole suite (start-up is the expensive part)."""

    def __init__(self, artefacts, width=1080, height=1500):
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=%d,%d" % (width, height), "--hide-scrollbars", "--no-first-run",
                         "--disable-extensions", "--disable-background-networking", "--force-device-scale-factor=1"]:
            options.add_argument(argument)
        options.binary_location = "/usr/bin/chromium"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_script_timeout(120)
        self.artefacts = artefacts
        self.shots = []
        os.makedirs(artefacts, exist_ok=True)

    def quit(self):
        self.driver.quit()

    def open(self, url):
        self.driver.get(url)

    def js(self, script, *arguments):
        return self.driver.execute_script(script, *arguments)

    def wait_js(self, predicate, timeout_s=15, what=None):
        if not self.driver.execute_async_script(WAIT_SCRIPT.replace("PREDICATE", predicate), int(timeout_s * 1000)):
            raise Failure("within %s s: %s (screen %s)" % (timeout_s, what or predicate, self.screen()))

    def screen(self):
        return self.js("const s = document.querySelector('main > section:not([hidden])'); return s ? s.dataset.screen : null")

    def wait_screen(self, screen, timeout_s=15):
        self.wait_js("!document.getElementById('screen-%s').hidden" % screen, timeout_s, "screen %s" % screen)

    def visible_text(self):
        return self.js("return document.body.innerText")

    def button(self, label):
        """The displayed button whose visible text is exactly `label` (what a citizen would look for)."""
        for element in self.driver.find_elements(By.XPATH, "//button[normalize-space(.)=%s]" % xpath_literal(label)):
            if element.is_displayed():
                return element
        raise Failure("no visible button '%s' on screen %s" % (label, self.screen()))

    def tap(self, label):
        self.button(label).click()

    def field(self, label):
        """The input a visible `<label>` with exactly this text is tied to (by its `for`)."""
        for element in self.driver.find_elements(By.XPATH, "//label[normalize-space(.)=%s]" % xpath_literal(label)):
            if element.is_displayed():
                target = element.get_attribute("for")
                if not target:
                    raise Failure("label '%s' is not tied to an input" % label)
                return self.driver.find_element(By.ID, target)
        raise Failure("no visible label '%s'" % label)

    def type_into(self, label, text):
        element = self.field(label)
        element.clear()
        element.send_keys(text)

    def keypad(self, label, digits):
        """Enters digits into a field with the on-screen keypad."""
        element = self.field(label)
        element.click()
        self.tap("清空")
        for digit in digits:
            self.tap(digit)
        if element.get_attribute("value") != digits:
            raise Failure("keypad gave %r instead of %r" % (element.get_attribute("value"), digits))

    def tick(self, label):
        """Ticks a checkbox by tapping its label's text."""
        for element in self.driver.find_elements(By.XPATH, "//label[contains(normalize-space(.), %s)]" % xpath_literal(label)):
            if element.is_displayed():
                box = element.find_element(By.XPATH, ".//input[@type='checkbox']")
                if not box.is_selected():
                    element.click()
                if not box.is_selected():
                    raise Failure("'%s' did not tick" % label)
                return
        raise Failure("no visible checkbox '%s'" % label)

    def draw_signature(self, points=48, width_fraction=0.6, height_fraction=0.4, pointer=interaction.POINTER_TOUCH):
        """A finger stroke across the signature canvas through WebDriver pointer actions (real pointer events)."""
        canvas = self.driver.find_element(By.ID, "signature-pad")
        size = canvas.size
        builder = ActionBuilder(self.driver, mouse=PointerInput(pointer, "finger"), duration=10)
        half_w, half_h = size["width"] * width_fraction / 2, size["height"] * height_fraction / 2
        builder.pointer_action.move_to(canvas, int(-half_w), 0)
        builder.pointer_action.pointer_down()
        for index in range(1, points):
            x = -half_w + 2 * half_w * index / (points - 1)
            y = half_h * (1 if index % 4 < 2 else -1) * (0.5 + 0.5 * (index % 3) / 2)
            builder.pointer_action.move_to(canvas, int(x), int(y))
        builder.pointer_action.pointer_up()
        builder.perform()

    def tap_canvas(self):
        canvas = self.driver.find_element(By.ID, "signature-pad")
        builder = ActionBuilder(self.driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"), duration=10)
        builder.pointer_action.move_to(canvas, 0, 0).pointer_down().pointer_up()
        builder.perform()

    def shoot(self, name):
        """The whole page (not only the viewport), so a long form shows down to its buttons."""
        path = os.path.join(self.artefacts, "%s.png" % name)
        # From the top, so the sticky top block is where a citizen sees it first.
        width, height = self.driver.execute_async_script("""
            const done = arguments[0];
            window.scrollTo(0, 0);
            requestAnimationFrame(() => done([document.documentElement.clientWidth, document.documentElement.scrollHeight]));""")
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        self.shots.append(path)

    def console(self):
        """Browser console entries since the last call."""
        return self.driver.get_log("browser")


def xpath_literal(text):
    if "'" not in text:
        return "'%s'" % text
    return "concat('%s')" % "', \"'\", '".join(text.split("'"))


def http(port, method, path, headers=None, body=None, host=None):
    """One raw HTTP/1.1 request over loopback, so the Host and Origin fields are exactly what the test says."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % (host or "127.0.0.1:%d" % port), "Connection: close"]
        payload = body.encode() if isinstance(body, str) else (body or b"")
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        if payload:
            lines.append("Content-Length: %d" % len(payload))
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        answer = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, rest
