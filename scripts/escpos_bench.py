#!/usr/bin/env python3
"""The comparison half of `kioskbench escpos`: encodes the same receipt as kioskd's ReceiptLayout with python-escpos
(PyPI) into its Dummy printer, N times, and reports the time and the bytes as JSON on stdout.

python-escpos has no Chinese-mode command and its text() picks single-byte code pages, so Chinese text goes through
_raw() as GB18030, exactly as our builder sends it; everything else uses python-escpos's own commands.
Usage: escpos_bench.py N < receipt.json  (N receipts in 20 batches; "best" is the fastest batch per receipt)
"""
import json
import sys
import time

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

COLUMNS = 48  # 80 mm paper, font A


def cells(text):
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def render(r):
    p = Dummy()
    p.hw("INIT")
    p._raw(b"\x1c\x26")  # FS & (Chinese mode): no python-escpos command
    p.set(align="center", bold=True, width=2, height=2, custom_size=True)
    p._raw("营业执照自助打印回执\n".encode("gb18030"))
    p.set(normal_textsize=True)
    p.set(bold=False)
    p.set(align="left")
    p._raw(b"-" * COLUMNS + b"\n")

    def pair(label, value):
        gap = COLUMNS - cells(label) - cells(value)
        p._raw((label + " " * gap + value + "\n").encode("gb18030"))

    pair("终端编号", r["terminal"])
    pair("办理时间", r["time"])
    pair("业务流水号", r["transaction"])
    pair("申请人", r["applicant"])
    p._raw(("企业名称：" + r["enterprise"] + "\n").encode("gb18030"))
    pair("统一社会信用代码", r["creditCode"])
    p._raw("打印内容：\n".encode("gb18030"))
    for item in r["items"]:
        p._raw(("  " + item + "\n").encode("gb18030"))
    p._raw(b"-" * COLUMNS + b"\n")
    p.set(align="center")
    p.qr(r["qr"], ec=QR_ECLEVEL_M, size=6, model=2, native=True)
    p._raw(b"\n")
    p._raw((r["rating"] + "\n").encode("gb18030"))
    p.set(align="left")
    p.print_and_feed(3)
    p.cut(mode="PART", feed=False)
    return p.output


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    receipt = json.load(sys.stdin)
    batches = 20
    output = render(receipt)
    seconds = 0.0
    best = float("inf")
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(count // batches):
            output = render(receipt)
        elapsed = time.perf_counter() - start
        seconds += elapsed
        best = min(best, elapsed / (count // batches))
    json.dump({"receipts": count, "seconds": seconds, "best": best, "hex": output.hex()}, sys.stdout)


if __name__ == "__main__":
    main()
