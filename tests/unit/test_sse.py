"""Tests for bctrl_tail.sse: the shared SSE vectors under every chunking, plus the fixes.

The vectors (tests/data) come from the WHATWG spec, web-platform-tests and sseclient-py's
tests; a decoder that depends on how the bytes were chunked is wrong, so each vector is fed
whole, one byte at a time and split at every point, and random streams are compared with a
naive parser written from the spec's prose.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bctrl_tail.sse import Frame, SSEDecoder

VECTORS_PATH = Path(__file__).resolve().parents[1] / "data" / "sse-vectors.json"


def _load_vectors() -> tuple[list[dict[str, Any]], str | None]:
    # A missing file must fail test_vectors_file_is_present, not skip silently or break the
    # collection of every other test module.
    try:
        vectors = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [], f"cannot load {VECTORS_PATH}: {exc}"
    return vectors, None


VECTORS, VECTORS_ERROR = _load_vectors()
VECTOR_IDS = [vector["name"] for vector in VECTORS]
CHUNKED_VECTORS = [vector for vector in VECTORS if "chunks_hex" in vector]


def stream_of(vector: dict[str, Any]) -> bytes:
    """The vector's bytes: ``stream_hex`` is authoritative when present."""
    if "stream_hex" in vector:
        return bytes.fromhex(vector["stream_hex"])
    return str(vector["stream"]).encode("utf-8")


def decode(chunks: list[bytes], last_event_id: str = "") -> tuple[list[Frame], SSEDecoder]:
    decoder = SSEDecoder(last_event_id)
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(decoder.feed(chunk))
    frames.extend(decoder.close())
    return frames, decoder


def check_vector(vector: dict[str, Any], chunks: list[bytes]) -> None:
    assert b"".join(chunks) == stream_of(vector)
    frames, decoder = decode(chunks)
    dispatched = [{"type": f.event, "data": f.data, "id": f.id} for f in frames if f.dispatch]
    where = f"{vector['name']} chunked as {[len(chunk) for chunk in chunks]}"
    assert dispatched == vector["events"], where
    if "last_event_id_after" in vector:
        assert decoder.last_event_id == vector["last_event_id_after"], where
    if "reconnection_time_ms" in vector:
        assert decoder.retry_ms == vector["reconnection_time_ms"], where


def test_vectors_file_is_present() -> None:
    assert VECTORS_ERROR is None, VECTORS_ERROR
    assert len(VECTORS) >= 30
    assert "derived-id-only-block-then-data" in VECTOR_IDS


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_vector_whole(vector: dict[str, Any]) -> None:
    check_vector(vector, [stream_of(vector)])


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_vector_one_byte_at_a_time(vector: dict[str, Any]) -> None:
    stream = stream_of(vector)
    check_vector(vector, [stream[i : i + 1] for i in range(len(stream))])


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_vector_every_two_way_split(vector: dict[str, Any]) -> None:
    stream = stream_of(vector)
    for cut in range(len(stream) + 1):
        check_vector(vector, [stream[:cut], stream[cut:]])


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_vector_three_way_splits(vector: dict[str, Any]) -> None:
    """Every pair of cut points for short vectors, a fixed random sample for long ones."""
    stream = stream_of(vector)
    size = len(stream)
    if size <= 64:
        pairs = [(a, b) for a in range(size + 1) for b in range(a, size + 1)]
    else:
        rng = random.Random(size)
        pairs = [(rng.randint(0, size), rng.randint(0, size)) for _ in range(300)]
    for first, second in pairs:
        a, b = min(first, second), max(first, second)
        check_vector(vector, [stream[:a], stream[a:b], stream[b:]])


@pytest.mark.parametrize("vector", VECTORS, ids=VECTOR_IDS)
def test_vector_in_128_byte_chunks(vector: dict[str, Any]) -> None:
    stream = stream_of(vector)
    check_vector(vector, [stream[i : i + 128] for i in range(0, len(stream), 128)])


@pytest.mark.parametrize("vector", CHUNKED_VECTORS, ids=[v["name"] for v in CHUNKED_VECTORS])
def test_vector_given_chunking(vector: dict[str, Any]) -> None:
    check_vector(vector, [bytes.fromhex(chunk) for chunk in vector["chunks_hex"]])


def test_invalid_utf8_becomes_replacement_characters() -> None:
    frames, _ = decode([b"event: e\xff\nid: i\xc3\ndata: a\xffb\xc3\n", b"data: \xe2\x82\n\n"])
    (frame,) = frames
    assert frame.event == "e\ufffd"
    assert frame.id == "i\ufffd"
    assert frame.data == "a\ufffdb\ufffd\n\ufffd"
    # raw is documented as already repaired, so it is always valid UTF-8
    assert (
        frame.raw == "event: e\ufffd\nid: i\ufffd\ndata: a\ufffdb\ufffd\ndata: \ufffd\n\n".encode()
    )


def test_multibyte_character_split_across_chunks_is_kept() -> None:
    frames, _ = decode([b"data: \xe2", b"\x82", b"\xac\n\n"])
    assert [f.data for f in frames] == ["\u20ac"]


def test_cr_ending_a_chunk_and_lf_starting_the_next_are_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []
    (frame,) = decoder.feed(b"\n\r\n")
    assert frame.data == "a\nb"
    assert frame.raw == b"data: a\ndata: b\n\n"
    # and a lone CR at a chunk end followed by a CR is a line end then a blank line
    assert [f.data for f in decoder.feed(b"data: c\r")] == []
    assert [f.data for f in decoder.feed(b"\rdata: d\n\n")] == ["c", "d"]


def test_unfinished_block_is_discarded_at_close() -> None:
    decoder = SSEDecoder()
    frames = decoder.feed(b"id: 1\ndata: 1\n\nid: 2\ndata: 2\n")
    assert [(f.data, f.id) for f in frames] == [("1", "1")]
    assert decoder.feed(b"data: still 2") == []
    assert decoder.close() == []
    assert decoder.last_event_id == "1"  # the unfinished block's id never took effect


def test_retry_of_unfinished_block_counts_at_close() -> None:
    """The spec applies retry when its line is parsed; only complete lines count."""
    decoder = SSEDecoder()
    decoder.feed(b"retry: 700\ndata: x\nretry: 900")
    decoder.close()
    assert decoder.retry_ms == 700


def test_nul_id_is_ignored_and_previous_id_kept() -> None:
    frames, decoder = decode([b"id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\nid: \x00\n\n"], "0")
    assert [(f.data, f.id, f.has_id, f.dispatch) for f in frames] == [
        ("a", "1", True, True),
        ("b", "1", False, True),
        ("", "1", False, False),
    ]
    assert decoder.last_event_id == "1"


def test_nul_id_line_does_not_hide_a_valid_id_line_in_same_block() -> None:
    (frame,), _ = decode([b"id: 7\nid: \x00\ndata: a\n\n"])
    assert (frame.id, frame.has_id) == ("7", True)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (b"retry: 100", 100),
        (b"retry:100", 100),
        (b"retry: 0", 0),
        (b"retry: 007", 7),
        (b"retry: 1\nretry: 2", 2),
        (b"retry: 1\nretry: 2\nretry: x", 2),
        (b"retry: 1e3", None),
        (b"retry: -1", None),
        (b"retry: +5", None),
        (b"retry:  2000", None),  # two spaces: the value is " 2000"
        (b"retry: 5 ", None),
        (b"retry: 1.5", None),
        (b"retry: \xef\xbc\x91", None),  # FULLWIDTH DIGIT ONE: a digit, but not ASCII
        (b"retry: \xd9\xa3", None),  # ARABIC-INDIC DIGIT THREE
        (b"retry", None),
        (b"retry:", None),
        (b"retryx: 5", None),
        (b"retry: " + b"9" * 5000, int("9" * 18)),  # clamped, not a ValueError from int()
    ],
    ids=lambda value: value.decode("utf-8", "replace")[:24] if isinstance(value, bytes) else "",
)
def test_retry_only_ascii_digits(lines: bytes, expected: int | None) -> None:
    frames, decoder = decode([lines + b"\ndata: x\n\n"])
    assert frames[0].retry == expected
    assert decoder.retry_ms == expected


def test_retry_persists_across_blocks_and_applies_without_data() -> None:
    frames, decoder = decode([b"retry: 300\n\ndata: x\n\nretry: bad\ndata: y\n\n"])
    assert [(f.retry, f.dispatch) for f in frames] == [(300, False), (None, True), (None, True)]
    assert decoder.retry_ms == 300


def test_comment_only_block_is_a_non_dispatched_frame() -> None:
    (frame,), _ = decode([b": keep-alive\n\n"])
    assert frame == Frame(
        event="message",
        data="",
        id="",
        has_id=False,
        retry=None,
        dispatch=False,
        text=": keep-alive",
    )
    assert frame.raw == b": keep-alive\n\n"


def test_id_only_block_sets_id_without_dispatch() -> None:
    frames, _ = decode([b"id: 5\n\ndata: x\n\n"], "4")
    assert [(f.id, f.has_id, f.dispatch, f.data) for f in frames] == [
        ("5", True, False, ""),
        ("5", False, True, "x"),
    ]


def test_last_event_id_carried_over_from_previous_connection() -> None:
    frames, decoder = decode([b"data: x\n\n"], "41")
    assert [(f.id, f.has_id) for f in frames] == [("41", False)]
    assert decoder.last_event_id == "41"


def test_raw_of_crlf_block() -> None:
    (frame,), _ = decode([b"event: e\r\nid: 9\r\n: note\r\ndata: x\r\ndata: y\r\n\r\n"])
    assert frame.raw == b"event: e\nid: 9\n: note\ndata: x\ndata: y\n\n"
    assert (frame.event, frame.data, frame.id, frame.has_id) == ("e", "x\ny", "9", True)


def test_extra_blank_lines_produce_nothing() -> None:
    frames, _ = decode([b"\n\r\n\rdata: a\n\n\n\r\n\rdata: b\r\r\r"])
    assert [(f.data, f.raw) for f in frames] == [("a", b"data: a\n\n"), ("b", b"data: b\n\n")]


def test_bom_prefix_that_is_not_a_bom_is_kept() -> None:
    """EF BB then 'd' is not a BOM: nothing is stripped, so the field name is garbage."""
    frames, _ = decode([b"\xef", b"\xbbdata: x\n\ndata: y\n\n"])
    assert [(f.dispatch, f.data) for f in frames] == [(False, ""), (True, "y")]


def test_bom_split_across_chunks_is_stripped_once() -> None:
    frames, _ = decode([b"\xef", b"", b"\xbb", b"\xbf", b"data: x\n\n"])
    assert [(f.data, f.raw) for f in frames] == [("x", b"data: x\n\n")]


def test_huge_line_in_small_chunks() -> None:
    """8 MB in 128-byte chunks: correctness only; bench/bench_sse.py measures the speed."""
    size = 8 * 1024 * 1024
    stream = b"data: " + b"a" * size + b"\n\n"
    decoder = SSEDecoder()
    frames: list[Frame] = []
    for start in range(0, len(stream), 128):
        frames.extend(decoder.feed(stream[start : start + 128]))
    assert len(frames) == 1
    assert frames[0].data == "a" * size
    assert frames[0].raw == stream


def test_block_with_many_lines() -> None:
    """Fields interleaved over thousands of lines of one block: the last of each wins."""
    lines = [b"event: first", b"id: a"]
    lines += [b"data: %d" % i for i in range(5000)]
    lines += [b": comment", b"event: message", b"retry: 250", b"id: b", b"data", b"retry: x"]
    lines += [b"data: %d" % i for i in range(5000, 6000)]
    (frame,), decoder = decode([b"\n".join(lines) + b"\n\n"])
    expected = [str(i) for i in range(5000)] + [""] + [str(i) for i in range(5000, 6000)]
    assert frame.data == "\n".join(expected)
    assert (frame.event, frame.id, frame.has_id, frame.retry) == ("message", "b", True, 250)
    assert decoder.retry_ms == 250


def test_block_with_many_lines_and_no_data() -> None:
    stream = b"\n".join([b"event: e", *[b": c%d" % i for i in range(3000)], b"id: z"]) + b"\n\n"
    (frame,), _ = decode([stream])
    assert (frame.dispatch, frame.data, frame.event, frame.id) == (False, "", "e", "z")


# A small spec-following decoder, line by line, to compare against on random streams.


def reference_decode(stream: bytes, last_id: str) -> tuple[list[tuple[Any, ...]], str, int | None]:
    if stream.startswith(b"\xef\xbb\xbf"):
        stream = stream[3:]
    text = stream.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")[:-1]  # an unterminated last line is never processed
    frames: list[tuple[Any, ...]] = []
    data: list[str] = []
    event, buffer_id, has_id, in_block = "", last_id, False, False
    retry: int | None = None
    block_retry: int | None = None
    for line in lines:
        if not line:
            if in_block:
                last_id = buffer_id
                frames.append(
                    (event or "message", "\n".join(data), last_id, has_id, block_retry, bool(data))
                )
            data, event, has_id, in_block, block_retry = [], "", False, False, None
            continue
        in_block = True
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\x00" not in value:
            buffer_id, has_id = value, True
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            retry = block_retry = int(value)
    return frames, last_id, retry


ATOMS = [
    *(b"data", b"data:", b"data: ", b"datax", b"x", b" ", b":", b": c", b"id", b"id:", b"id: 7"),
    *(b"event", b"event:", b" e", b"retry", b"retry:", b"retry: 12", b"12", b"\x00"),
    *(b"\xc3\xb8", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\n", b"\r\n", b"\n\n", b"\r\r"),
]


def test_random_streams_match_reference() -> None:
    """Random streams and chunkings against the line-by-line reference above."""
    rng = random.Random(20240601)
    for _ in range(1500):
        stream = b"".join(rng.choice(ATOMS) for _ in range(rng.randint(0, 30)))
        if rng.random() < 0.2:
            stream = b"\xef\xbb\xbf" + stream
        cuts = sorted(rng.randint(0, len(stream)) for _ in range(rng.randint(0, 5)))
        chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        frames, decoder = decode(chunks, "init")
        got = [(f.event, f.data, f.id, f.has_id, f.retry, f.dispatch) for f in frames]
        assert (got, decoder.last_event_id, decoder.retry_ms) == reference_decode(stream, "init"), (
            chunks
        )
        for frame in frames:
            assert frame.raw.endswith(b"\n\n")
            assert b"\r" not in frame.raw
            assert not frame.raw.startswith(b"\n")
            frame.raw.decode("utf-8")


def test_an_event_that_never_ends_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from bctrl_tail import sse

    monkeypatch.setattr(sse, "MAX_BLOCK", 1000)
    decoder = SSEDecoder()
    assert decoder.feed(b"data: ok\n\n")[0].data == "ok"
    decoder.feed(b"data: " + b"x" * 900)
    with pytest.raises(sse.BlockTooLarge):
        decoder.feed(b"y" * 200)
    fresh = SSEDecoder()
    assert fresh.feed(b"data: " + b"z" * 990 + b"\n\n")[0].data == "z" * 990


# A deliberately naive parser written from the prose of the HTML standard ("9.2.6 Interpreting
# an event stream"), character by character, for the property-based differential test.


def spec_decode(stream: bytes, last_id: str) -> tuple[list[tuple[Any, ...]], str, int | None]:
    """Every block that ended, as (type, data, last id, had id, retry, dispatched)."""
    # "Streams must be decoded using the UTF-8 decode algorithm": one leading BOM is dropped,
    # invalid sequences become U+FFFD.
    if stream[:3] == b"\xef\xbb\xbf":
        stream = stream[3:]
    chars = stream.decode("utf-8", "replace")
    # "CRLF, a single LF not preceded by CR, and a single CR not followed by LF" end a line;
    # characters after the last line end are never part of a line.
    lines: list[str] = []
    current = ""
    index = 0
    while index < len(chars):
        char = chars[index]
        if char == "\r":
            lines.append(current)
            current = ""
            if index + 1 < len(chars) and chars[index + 1] == "\n":
                index += 1
        elif char == "\n":
            lines.append(current)
            current = ""
        else:
            current += char
        index += 1
    frames: list[tuple[Any, ...]] = []
    data_buffer = ""
    event_type = ""
    id_buffer = last_id
    retry: int | None = None
    block_seen = False  # the block had a line (a blank line alone dispatches nothing)
    block_id = False
    block_retry: int | None = None
    for line in lines:
        if line == "":
            # "If the line is empty (a blank line): dispatch the event."
            if block_seen:
                last_id = id_buffer  # "set the last event ID string ... to the buffer"
                dispatched = data_buffer != ""
                data = data_buffer[:-1] if data_buffer.endswith("\n") else data_buffer
                frames.append(
                    (event_type or "message", data, last_id, block_id, block_retry, dispatched)
                )
            data_buffer, event_type = "", ""
            block_seen, block_id, block_retry = False, False, None
            continue
        block_seen = True
        if line[0] == ":":
            continue  # "If the line starts with a colon: ignore the line."
        if ":" in line:
            position = line.index(":")
            field, value = line[:position], line[position + 1 :]
            if value[:1] == " ":
                value = value[1:]
        else:
            field, value = line, ""
        if field == "event":
            event_type = value
        elif field == "data":
            data_buffer += value + "\n"
        elif field == "id":
            if "\x00" not in value:
                id_buffer = value
                block_id = True
        elif field == "retry" and value != "" and all(c in "0123456789" for c in value):
            retry = block_retry = int(value)
    return frames, last_id, retry


FIELDS = ["data", "data:", "data: ", "event:", "event: ", "id:", "id: ", "retry:", "retry: ", ":"]
VALUE_PIECES = ["x", "7", "12", " ", ":", "\x00", "\u00f8", "\u2603", "\ufeff", "run.event"]
RAW_PIECES = [b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xe2\x82", b"\r"]
LINE_ENDS = [b"\n", b"\r", b"\r\n", b"\n\n", b"\r\r", b"\r\n\r\n", b""]
value_pieces = st.one_of(
    st.sampled_from(VALUE_PIECES).map(lambda text: text.encode("utf-8")),
    st.sampled_from(RAW_PIECES),
    st.binary(max_size=2),
)
lines = st.tuples(
    st.sampled_from(FIELDS).map(str.encode) | st.binary(max_size=3),
    st.lists(value_pieces, max_size=4).map(b"".join),
    st.sampled_from(LINE_ENDS),
).map(b"".join)
streams = st.tuples(
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xef\xbb"]), st.lists(lines, max_size=12)
).map(lambda parts: parts[0] + b"".join(parts[1]))


# Blocks at the edge of the usual shape the decoder reads with one regex (event and id lines in
# either order, then one data line): each must decode exactly as the spec's prose says.
NEAR_USUAL = [
    b"event: a\nid: 1\ndata: x\n\n",
    b"id: 1\nevent: a\ndata: x\n\n",
    b"event: a\nid: 1\nevent: b\ndata: x\n\n",
    b"event: a\nid: 1\nevent:\ndata: x\n\n",
    b"id: 1\ndata: x\n\nevent: a\ndata: y\n\ndata: z\n\n",
    b"event: a\nid: 1\ndata: x\ndata: y\n\n",
    b"event: a\nid: 1\ndata: x\n: comment\n\n",
    b"event: a\nid: 1\ndata: x\nretry: 5\n\n",
    b"event: a\nid: 1\ndata: \n\ndata:\n\ndata:  two spaces\n\ndata:x\n\n",
    b"event: a\nid: 1\x002\ndata: x\n\nid:\ndata: y\n\n",
    b"event:a\nid:7\ndata:{}\n\nevent : a\ndata: x\n\nid: 1\nid: 2\ndata: x\n\n",
    b"data: x\nevent: a\n\nevent: a\n\nid: 3\n\ndata: a:b: c\n\n",
]


@pytest.mark.parametrize("stream", NEAR_USUAL)
def test_blocks_near_the_usual_shape(stream: bytes) -> None:
    for chunks in ([stream], [stream[:n] for n in (1,)] + [stream[1:]], list(_bytes(stream))):
        frames, decoder = decode(chunks, "init")
        got = [(f.event, f.data, f.id, f.has_id, f.retry, f.dispatch) for f in frames]
        assert (got, decoder.last_event_id, decoder.retry_ms) == spec_decode(stream, "init")
        assert b"".join(frame.raw for frame in frames) == stream.replace(b"\n\n\n", b"\n\n")


def _bytes(stream: bytes) -> list[bytes]:
    return [stream[i : i + 1] for i in range(len(stream))]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=streams, cuts=st.lists(st.integers(min_value=0), max_size=6), start_id=st.text())
def test_decoder_matches_the_spec_prose(stream: bytes, cuts: list[int], start_id: str) -> None:
    """Any bytes, any chunking: the same frames, last id and retry as the naive parser."""
    start_id = start_id.replace("\x00", "")
    points = sorted(cut % (len(stream) + 1) for cut in cuts)
    chunks = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    frames, decoder = decode(chunks, start_id)
    got = [(f.event, f.data, f.id, f.has_id, f.retry, f.dispatch) for f in frames]
    assert (got, decoder.last_event_id, decoder.retry_ms) == spec_decode(stream, start_id)
    for frame in frames:
        assert frame.raw.endswith(b"\n\n") and not frame.raw.endswith(b"\n\n\n")
        assert b"\r" not in frame.raw and not frame.raw.startswith(b"\n")
