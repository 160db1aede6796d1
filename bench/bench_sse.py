"""Benchmark bctrl_tail.sse.SSEDecoder against sseclient-py on the same bytes.

Run from the repository root: ``python bench/bench_sse.py`` (about 20 s) or with ``--quick``
for a smoke run. Not collected by pytest. sseclient-py, the decoder bctrl-tail used to build on,
is a bench-only comparison: when it is not installed (``pip install sseclient-py``) only our
figures are printed.

0. The shared SSE vectors (tests/data/sse-vectors.json) through sseclient-py's public API: how
   many it gets right, which is why bctrl-tail has a decoder of its own.

1. One huge data line arriving in 128-byte chunks: sseclient buffers with ``bytes +=`` per
   chunk (quadratic), so by default it runs on a 4 MiB line and its 8 MiB time is estimated.
2. Many ~350-byte JSON events in 64 KiB chunks: events per second, the common case.
3. One block with many short data lines: sseclient joins them with ``str +=`` (quadratic).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from common import event_object

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bctrl_tail.sse import SSEDecoder  # noqa: E402

try:
    from sseclient import SSEClient  # the comparison, bench-only
except ImportError:
    SSEClient = None

VECTORS = ROOT / "tests" / "data" / "sse-vectors.json"

MIB = 1024 * 1024


def best_of(repeats: int, run: Callable[[], int]) -> tuple[float, int]:
    """Fastest wall time of ``repeats`` runs (least disturbed by the machine), and the count."""
    best = float("inf")
    count = 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = run()
        best = min(best, time.perf_counter() - start)
    return best, count


def chunked(stream: bytes, size: int) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def ours(chunks: list[bytes]) -> int:
    decoder = SSEDecoder()
    count = 0
    for chunk in chunks:
        count += sum(1 for frame in decoder.feed(chunk) if frame.dispatch)
    decoder.close()
    return count


def ours_data_len(chunks: list[bytes]) -> int:
    decoder = SSEDecoder()
    size = 0
    for chunk in chunks:
        size += sum(len(frame.data) for frame in decoder.feed(chunk))
    return size


def vectors_through_sseclient() -> None:
    """Feed each vector whole to sseclient-py and compare the events it dispatches."""
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))
    failed = []
    for vector in vectors:
        stream = (
            bytes.fromhex(vector["stream_hex"])
            if "stream_hex" in vector
            else vector["stream"].encode("utf-8")
        )
        try:
            got = [
                {"type": ev.event, "data": ev.data, "id": ev.id or ""}
                for ev in SSEClient(iter([stream])).events()
            ]
        except Exception as exc:  # a decoder error is a failed vector too
            got = [{"error": repr(exc)}]
        if got != vector["events"]:
            failed.append(vector["name"])
    print(
        f"\n0. SSE vectors through sseclient-py's public API: {len(failed)} of {len(vectors)} fail"
    )
    for name in failed:
        print(f"   fails: {name}")


def raw(chunks: list[bytes]) -> int:
    return sum(1 for _ in SSEClient(iter(chunks)).events())


def raw_data_len(chunks: list[bytes]) -> int:
    return sum(len(event.data) for event in SSEClient(iter(chunks)).events())


def huge_line(ours_mib: int, raw_mib: int) -> None:
    sizes = f"{ours_mib} MiB ours" + (f", {raw_mib} MiB sseclient" if SSEClient else "")
    print(f"\n1. one data line in 128-byte chunks ({sizes})")

    def stream(mib: int) -> list[bytes]:
        return chunked(b"data: " + b"a" * (mib * MIB) + b"\n\n", 128)

    if ours_mib != raw_mib:
        big = stream(ours_mib)
        t_big, size = best_of(3, lambda: ours_data_len(big))
        assert size == ours_mib * MIB
        print(f"   ours      {ours_mib:>3} MiB: {t_big:8.3f} s")
    small = stream(raw_mib)
    t_ours, size = best_of(3, lambda: ours_data_len(small))
    assert size == raw_mib * MIB
    if SSEClient is None:
        print(f"   ours      {raw_mib:>3} MiB: {t_ours:8.3f} s")
        return
    t_raw, size = best_of(1, lambda: raw_data_len(small))
    assert size == raw_mib * MIB
    print(f"   ours      {raw_mib:>3} MiB: {t_ours:8.3f} s")
    print(
        f"   sseclient {raw_mib:>3} MiB: {t_raw:8.3f} s  (sseclient / ours = {t_raw / t_ours:.0f}x)"
    )
    if ours_mib != raw_mib:
        scale = (ours_mib / raw_mib) ** 2
        print(
            f"   sseclient {ours_mib:>3} MiB: ~{t_raw * scale:7.1f} s  not run: quadratic, "
            f"estimated as the {raw_mib} MiB time x {scale:.0f} (--raw-mib {ours_mib} to measure)"
        )


def json_payload(index: int) -> str:
    """The same ~350-byte run event the other benches send, as compact JSON."""
    return json.dumps(event_object(index), separators=(",", ":"))


def many_events(count: int, repeats: int) -> None:
    blocks = [
        f"id: {i}\nevent: run.event\ndata: {json_payload(i)}\n\n".encode() for i in range(count)
    ]
    stream = b"".join(blocks)
    data_size = sum(len(json_payload(i)) for i in range(0, count, max(1, count // 100)))
    data_size //= len(range(0, count, max(1, count // 100)))
    chunks = chunked(stream, 64 * 1024)
    print(
        f"\n2. {count:,} events ({len(stream) / count:.0f} bytes per block, ~{data_size} bytes "
        f"of JSON data) in 64 KiB chunks, best of {repeats}"
    )
    t_ours, n_ours = best_of(repeats, lambda: ours(chunks))
    if SSEClient is None:
        assert n_ours == count, n_ours
        print(f"   ours      {count / t_ours:>10,.0f} events/s  ({t_ours:.3f} s)")
        return
    t_raw, n_raw = best_of(repeats, lambda: raw(chunks))
    assert n_ours == n_raw == count, (n_ours, n_raw)
    print(f"   ours      {count / t_ours:>10,.0f} events/s  ({t_ours:.3f} s)")
    print(f"   sseclient {count / t_raw:>10,.0f} events/s  ({t_raw:.3f} s)")
    print(f"   ours / sseclient throughput = {t_raw / t_ours:.2f}")


def many_lines(lines: int) -> None:
    block = b"".join(b"data: " + b"b" * 94 + b"\n" for _ in range(lines)) + b"\n"
    size = lines * 95 - 1
    print(f"\n3. one block of {lines:,} data lines of 100 bytes ({len(block) / MIB:.1f} MiB)")
    t_ours, got = best_of(3, lambda: ours_data_len([block]))
    assert got == size
    if SSEClient is None:
        print(f"   ours      {t_ours:8.3f} s")
        return
    t_raw, got = best_of(1, lambda: raw_data_len([block]))
    assert got == size
    print(f"   ours      {t_ours:8.3f} s")
    print(f"   sseclient {t_raw:8.3f} s  (sseclient / ours = {t_raw / t_ours:.0f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument(
        "--raw-mib",
        type=int,
        default=4,
        help="size of the huge line for raw sseclient (quadratic: 8 takes ~30 s; default 4)",
    )
    args = parser.parse_args()
    baseline = "sseclient-py " + version("sseclient-py") if SSEClient else "no sseclient-py"
    print(
        f"Python {platform.python_version()} ({platform.machine()}), {baseline}"
        + ("  [--quick]" if args.quick else "")
    )
    if SSEClient is None:
        print("   sseclient-py is not installed: our figures only (pip install sseclient-py)")
    else:
        vectors_through_sseclient()
    if args.quick:
        huge_line(ours_mib=1, raw_mib=1)
        many_events(count=5_000, repeats=1)
        many_lines(lines=1_000)
    else:
        huge_line(ours_mib=8, raw_mib=args.raw_mib)
        many_events(count=200_000, repeats=3)
        many_lines(lines=16_000)


if __name__ == "__main__":
    main()
