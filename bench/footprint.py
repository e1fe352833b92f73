#!/usr/bin/env python3
"""Footprint of a tern binary: what issue 10 (edge targets) asks about.

Reports, for one binary (native, or ARM under qemu-user):
  - its size, and its size stripped (with the strip of its architecture);
  - the shared libraries it needs (not counted in its size);
  - RSS at idle, after start-up with no client;
  - RSS with N clients connected (default 1,000; raw-socket MQTT 3.1.1
    CONNECTs from asyncio, all on loopback);
  - RSS with M retained messages (default 100,000; pipelined QoS 0
    retained PUBLISHes from one raw socket, ended by a PINGREQ round trip
    so that all were handled).

RSS is VmRSS of the broker process from /proc; the idle row also gives
PSS, and Debian's mosquitto measured the same way for reference (natively
only). Under qemu-user that process is qemu running tern: its RSS
includes qemu itself and its translated-code cache. So the script also measures qemu running a trivial
program of the same architecture (linked with libstdc++, sleeping) and
prints "less qemu baseline" as an estimate of tern's own share; the
differences between rows (per client, per retained message) are tern's.

  bench/footprint.py build/app/tern
  bench/footprint.py build-aarch64/app/tern --runner qemu-aarch64
  bench/footprint.py TERN --config cross/low-memory.conf   # persistence_location set to a temp dir
"""

import argparse
import asyncio
import os
import re
import resource
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from compare import free_port, wait_listening  # bench/compare.py
from store_scale import varint  # bench/store_scale.py: MQTT's variable byte integer

ELF_MACHINES = {0x3E: ("x86_64", ""), 0xB7: ("aarch64", "aarch64-linux-gnu-"),
                0x28: ("armv7", "arm-linux-gnueabihf-")}


def elf_machine(path):
    with open(path, "rb") as f:
        header = f.read(20)
    if header[:4] != b"\x7fELF":
        sys.exit(f"{path} is not an ELF file")
    machine = struct.unpack_from("<H", header, 18)[0]
    if machine not in ELF_MACHINES:
        sys.exit(f"{path}: unknown ELF machine {machine:#x}")
    return ELF_MACHINES[machine]


def stripped_size(path, prefix):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "tern")
        subprocess.run([f"{prefix}strip", "-o", out, path], check=True)
        return os.path.getsize(out)


def needed_libraries(path):
    out = subprocess.run(["readelf", "-d", path], check=True, capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.*)\]", out)


def rss_kib(pid):
    """VmRSS and RssAnon (KiB): all resident pages, and those that are the
    process's own (heap, stacks), not pages of shared library files."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0])
    return values["VmRSS"], values["RssAnon"]


def pss_kib(pid):
    """Proportional set size (KiB): each shared page counted as its share
    among the processes that map it. Most of an idle broker's RSS is pages
    of libc, libstdc++ and libcrypto that the kernel maps in 64 KiB runs
    around each page touched; PSS says what the process costs a device
    whose other programs use the same libraries."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def mosquitto_idle(seconds=2.0):
    """Idle VmRSS and PSS of Debian's mosquitto on a free port, measured as
    tern's are: the reference for the idle row."""
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        proc = subprocess.Popen(["mosquitto", "-p", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=work)
        try:
            wait_port(port, proc)
            rss, _ = settle_rss(proc.pid, seconds)
            return rss, pss_kib(proc.pid)
        finally:
            proc.terminate()
            proc.wait()


def wait_port(port, proc, seconds=60):
    if not wait_listening(port, proc, seconds):
        sys.exit(f"broker did not listen on {port} within {seconds} s (exit status {proc.poll()})")


def settle_rss(pid, seconds=1.0):
    """RSS once it stops moving (the broker's sweep and $SYS timers ran)."""
    time.sleep(seconds)
    return rss_kib(pid)


def mqtt_string(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def connect_packet(client_id, keepalive=600):
    body = mqtt_string("MQTT") + bytes([4, 0x02]) + struct.pack("!H", keepalive) + mqtt_string(client_id)
    return b"\x10" + varint(len(body)) + body


def publish_packet(topic, payload, retain=True):
    body = mqtt_string(topic) + payload
    return bytes([0x30 | (1 if retain else 0)]) + varint(len(body)) + body


async def connect_clients(port, n, prefix):
    """Opens n connections, each CONNECTed (CONNACK 0 received); returns
    the writers, to be closed by the caller."""
    writers = []

    async def one(i):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(connect_packet(f"{prefix}{i}"))
        await writer.drain()
        connack = await asyncio.wait_for(reader.readexactly(4), 120)
        if connack[0] != 0x20 or connack[3] != 0:
            raise RuntimeError(f"client {i}: CONNACK {connack.hex()}")
        writers.append(writer)

    batch = 100  # at most this many handshakes at once: qemu is slow
    for start in range(0, n, batch):
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + batch))))
    return writers


async def publish_retained(port, n, payload_size):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(connect_packet("footprint-publisher"))
    await writer.drain()
    await asyncio.wait_for(reader.readexactly(4), 60)
    payload = b"x" * payload_size
    chunk = bytearray()
    for i in range(n):
        chunk += publish_packet(f"footprint/retained/{i // 1000}/{i % 1000}", payload)
        if len(chunk) > 65536:
            writer.write(bytes(chunk))
            chunk.clear()
            await writer.drain()
    writer.write(bytes(chunk) + b"\xc0\x00")  # PINGREQ: answered after every PUBLISH before it
    await writer.drain()
    pingresp = await asyncio.wait_for(reader.readexactly(2), 600)
    if pingresp != b"\xd0\x00":
        raise RuntimeError(f"expected PINGRESP, got {pingresp.hex()}")
    writer.close()


def count_retained(port, expected, seconds=90):
    """The broker's own count of retained messages ($SYS, as mosquitto
    names it; it includes $SYS's own), read until it reaches expected: a
    check that the broker holds them all, not only read them. (Subscribing
    to them would not do: QoS 0 past a connection's output cap is dropped.)"""
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        out = subprocess.run(["mosquitto_sub", "-p", str(port), "-t", "$SYS/broker/retained messages/count",
                              "-C", "1", "-W", "15"], capture_output=True, text=True).stdout.strip()
        if out.isdigit():
            count = int(out)
            if count >= expected:
                break
        time.sleep(1)
    return count


def qemu_baseline(runner, prefix, workdir):
    """RSS of qemu running a trivial C++ program of the same architecture."""
    src = os.path.join(workdir, "idle.cpp")
    exe = os.path.join(workdir, "idle")
    with open(src, "w") as f:
        f.write("#include <string>\n#include <unistd.h>\n"
                "int main(int argc, char**) { std::string s(argc, 'x'); pause(); return s.size(); }\n")
    subprocess.run([f"{prefix}g++", "-O2", "-o", exe, src], check=True)
    proc = subprocess.Popen(runner + [exe])
    try:
        return settle_rss(proc.pid, 2.0)[0]
    finally:
        proc.kill()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tern", help="the tern binary")
    ap.add_argument("--runner", default="", help="command that runs it, e.g. qemu-aarch64")
    ap.add_argument("--config", help="config file to start from (listeners are replaced; "
                    "persistence_location goes to a temp dir)")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--retained", type=int, default=100000)
    ap.add_argument("--payload", type=int, default=16, help="retained payload bytes (default 16)")
    ap.add_argument("--markdown", action="store_true", help="print one Markdown table row")
    ap.add_argument("--no-mosquitto", action="store_true",
                    help="do not measure Debian's mosquitto at idle for reference")
    args = ap.parse_args()

    args.tern = os.path.abspath(args.tern)
    arch, prefix = elf_machine(args.tern)
    runner = shlex.split(args.runner)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.clients * 2 + 100:
        sys.exit(f"open file limit {hard} is too low for {args.clients} clients")

    size = os.path.getsize(args.tern)
    stripped = stripped_size(args.tern, prefix)
    needed = needed_libraries(args.tern)

    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        conf = os.path.join(work, "tern.conf")
        lines = []
        if args.config:
            with open(args.config) as f:
                for line in f:
                    if line.startswith("persistence_location"):
                        line = f"persistence_location {work}/data\n"
                    lines.append(line)
        else:
            lines = ["allow_anonymous true\n", "persistence false\n"]
        with open(conf, "w") as f:
            f.writelines(lines)
        baseline = qemu_baseline(runner, prefix, work) if runner else 0

        log = open(os.path.join(work, "tern.log"), "w")
        proc = subprocess.Popen(runner + [args.tern, "-c", conf, "-p", str(port)], stdout=log,
                                stderr=subprocess.STDOUT, cwd=work)
        try:
            wait_port(port, proc)
            idle = settle_rss(proc.pid, 2.0)
            idle_pss = pss_kib(proc.pid)

            async def with_clients():
                writers = await connect_clients(port, args.clients, "footprint-")
                rss = settle_rss(proc.pid, 2.0)
                for w in writers:
                    w.close()
                return rss
            t = time.monotonic()
            clients_rss = asyncio.run(with_clients())
            clients_time = time.monotonic() - t
            time.sleep(2.0)  # let the broker drop them before the next row

            t = time.monotonic()
            asyncio.run(publish_retained(port, args.retained, args.payload))
            retained_time = time.monotonic() - t
            retained_rss = settle_rss(proc.pid, 2.0)
            held = count_retained(port, args.retained)
            if held < args.retained:
                sys.exit(f"broker counts {held} retained messages, expected {args.retained} or more")
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()

    reference = None
    if not runner and not args.no_mosquitto and shutil.which("mosquitto"):
        reference = mosquitto_idle()
    mib = 1024 * 1024
    (idle, idle_anon), (crss, canon), (rrss, ranon) = idle, clients_rss, retained_rss
    if args.markdown:
        qemu = f" ({idle - baseline:,} KiB less qemu)" if runner else ""
        print(f"| {arch} | {stripped / mib:.2f} MiB | {idle:,} KiB{qemu}, anon {idle_anon:,} KiB, "
              f"PSS {idle_pss:,} KiB | "
              f"{crss:,} KiB | {rrss:,} KiB |")
        return
    print(f"binary         {args.tern} ({arch}{', under ' + args.runner if runner else ''})")
    print(f"size           {size:,} B; stripped {stripped:,} B ({stripped / mib:.2f} MiB)")
    print(f"needs          {', '.join(needed)}")
    print("RSS            VmRSS (RssAnon: the process's own pages, without shared library files)")
    if runner:
        print(f"qemu baseline  {baseline:,} KiB (qemu running a trivial C++ program: not tern's)")
    print(f"idle           {idle:,} KiB ({idle_anon:,} KiB); PSS {idle_pss:,} KiB" +
          (f"; less qemu baseline: {idle - baseline:,} KiB" if runner else ""))
    if reference:
        print(f"mosquitto idle {reference[0]:,} KiB; PSS {reference[1]:,} KiB (Debian's mosquitto, "
              "default settings, same measure)")
    print(f"{args.clients:,} clients  {crss:,} KiB ({canon:,} KiB): {(crss - idle) * 1024 / args.clients:,.0f} B "
          f"per client (connected in {clients_time:.1f} s)")
    print(f"{args.retained:,} retained  {rrss:,} KiB ({ranon:,} KiB): {(rrss - idle) * 1024 / args.retained:,.0f} B "
          f"per message ({args.payload} B payload, ~24 B topic; published in {retained_time:.1f} s)")


if __name__ == "__main__":
    main()
