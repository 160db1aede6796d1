"""The demo runs: a browser agent shopping on a (fictional) web shop, about 30 s at speed 1."""

from __future__ import annotations

from typing import Any

from bctrl_tail.events import category_of_type
from bctrl_tail.simulator.model import JSONObject, Run

SHOP = "https://shop.example.com"
CONNECTION_ID = "5f0c2a7e-8d3b-4c1e-9a6f-2b7d9e4c1a30"
PAGE_ID = "page_7f3a91"
HEARTBEAT_SECONDS = 2.0


class _Builder:
    """Collects events with their ids, sequence numbers and the delay before each."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.events: list[JSONObject] = []
        self.delays: list[float] = []

    def add(
        self, delay: float, event_type: str, data: JSONObject | None = None, **fields: Any
    ) -> None:
        seq = len(self.events) + 1
        event: JSONObject = {
            "id": f"evt_{seq:04d}",
            "runId": self.run_id,
            "type": event_type,
            "category": fields.pop("category", None) or category_of_type(event_type),
        }
        event.update({k: v for k, v in fields.items() if v is not None})
        event["seq"] = seq
        event["data"] = data or {}
        self.events.append(event)
        self.delays.append(delay)

    def download(self, delay: float, path: str, size: int, filename: str = "") -> None:
        filename = filename or path.rsplit("/", 1)[-1]
        data = {"url": SHOP + path, "filename": filename, "sizeBytes": size}
        self.add(delay, "download", data, status="finished", name=filename)

    def command(self, delay: float, name: str, params: JSONObject, ms: int) -> None:
        common = {"connectionId": CONNECTION_ID, "name": name}
        self.add(delay, "connection.command.sent", {"params": params}, status="started", **common)
        self.add(
            ms / 1000,
            "connection.command.completed",
            {"durationMs": ms},
            status="finished",
            **common,
        )

    def tool(self, delay: float, name: str, args: JSONObject, seconds: float) -> None:
        self.add(delay, "tool.call", {"args": args}, status="started", name=name)
        self.add(
            seconds,
            "tool.call",
            {"args": args, "result": "ok"},
            status="finished",
            name=name,
            durationSeconds=seconds,
        )

    def fetch(self, delay: float, method: str, path: str, status: int, ms: int) -> None:
        url = path if path.startswith("http") else SHOP + path
        request = {"method": method, "url": url, "requestId": f"net_{len(self.events) + 1:04d}"}
        self.add(delay, "network.request", request, status="started", pageId=PAGE_ID)
        outcome = "received" if status < 400 else "failed"
        response = {**request, "status": status, "durationMs": ms}
        self.add(ms / 1000, "network.response", response, status=outcome, pageId=PAGE_ID)

    def console(self, delay: float, level: str, text: str) -> None:
        self.add(delay, "console.message", {"level": level, "text": text}, message=text)

    def navigate(self, delay: float, path: str, title: str) -> None:
        url = SHOP + path
        data = {"url": url, "pageTitle": title}
        self.add(delay, "navigation", data, status="started", title=url, pageId=PAGE_ID)
        self.fetch(0.1, "GET", path, 200, 180)

    def load(self, delay: float, path: str, title: str, ms: int) -> None:
        data = {"url": SHOP + path, "loadMs": ms}
        self.add(delay, "page.load", data, status="finished", title=title, pageId=PAGE_ID)


def _opening(b: _Builder) -> None:
    b.add(
        0.0,
        "runtime.lifecycle",
        {"browser": "chromium", "version": "126.0.6478.126", "region": "eu-west-1"},
        status="started",
        message="runtime started",
    )
    b.command(0.6, "Target.createTarget", {"url": "about:blank"}, 90)
    b.tool(0.4, "browser.navigate", {"url": SHOP + "/"}, 0.2)
    b.command(0.1, "Page.navigate", {"url": SHOP + "/"}, 120)
    b.navigate(0.1, "/", "Example Shop")
    b.fetch(0.1, "GET", "/static/app.3f9c.js", 200, 140)
    b.fetch(0.05, "GET", "/static/app.81d2.css", 200, 90)
    b.fetch(0.05, "GET", "/favicon.ico", 404, 40)
    b.console(0.2, "log", "Example Shop v3.2.1 booted")
    b.add(
        0.1,
        "network.failed",
        {
            "method": "GET",
            "url": "https://cdn.tracking-pixel.example/collect?v=2",
            "errorText": "net::ERR_NAME_NOT_RESOLVED",
        },
        status="failed",
        pageId=PAGE_ID,
    )
    b.load(0.3, "/", "Example Shop", 1240)
    b.console(0.1, "warn", "[Deprecation] Synchronous XMLHttpRequest on the main thread")


def _search_and_product(b: _Builder) -> None:
    b.add(
        3.5,
        "agent.note",
        {"step": 1},
        category="event",
        message="Searching for wireless headphones under 100 EUR",
    )
    b.tool(0.3, "browser.type", {"selector": "input[name=q]", "text": "wireless headphones"}, 0.4)
    b.command(0.1, "Input.insertText", {"text": "wireless headphones"}, 30)
    b.fetch(0.2, "GET", "/api/search?q=wireless+headphones", 200, 220)
    b.console(0.1, "log", "search: 24 results")
    b.add(
        3.0,
        "agent.note",
        {"step": 2},
        category="event",
        message="Comparing 3 products by rating and price",
    )
    b.tool(0.3, "browser.click", {"selector": "a[data-product=sx-200]"}, 0.3)
    b.command(0.1, "Input.dispatchMouseEvent", {"type": "mousePressed", "x": 412, "y": 318}, 20)
    b.navigate(0.2, "/product/sx-200", "SX-200 Wireless Headphones")
    b.fetch(0.1, "GET", "/api/product/sx-200", 200, 160)
    b.fetch(0.05, "GET", "/api/recommendations?product=sx-200", 500, 310)
    b.console(0.1, "error", "Failed to load recommendations: HTTP 500")
    b.add(
        0.1,
        "page.error",
        {
            "stack": "TypeError: Cannot read properties of undefined "
            "(reading 'price')\n    at renderRecs (app.3f9c.js:1:48213)"
        },
        status="failed",
        message="TypeError: Cannot read properties of undefined (reading 'price')",
        pageId=PAGE_ID,
    )
    b.load(0.2, "/product/sx-200", "SX-200 Wireless Headphones", 980)
    b.tool(1.0, "browser.click", {"selector": "a.spec-sheet"}, 0.2)
    b.download(0.3, "/files/sx-200-spec-sheet.pdf", 482113)
    b.add(
        0.2,
        "file.saved",
        {"path": "artifacts/sx-200-spec-sheet.pdf", "sizeBytes": 482113},
        status="finished",
        name="artifacts/sx-200-spec-sheet.pdf",
    )
    b.tool(0.8, "browser.click", {"selector": "button#add-to-cart"}, 0.3)
    b.fetch(0.1, "POST", "/api/cart", 200, 140)
    b.console(0.1, "log", "cart: 1 item (89.99 EUR)")
    b.add(
        0.3,
        "dialog",
        {"dialogType": "confirm", "message": "Proceed to checkout?", "action": "accept"},
        status="finished",
        message="Proceed to checkout?",
        pageId=PAGE_ID,
    )
    b.command(0.1, "Page.handleJavaScriptDialog", {"accept": True}, 15)
    b.navigate(0.3, "/checkout", "Checkout")
    b.load(0.3, "/checkout", "Checkout", 1100)
    b.add(
        0.5,
        "captcha.solve.started",
        {"kind": "recaptcha-v2", "url": SHOP + "/checkout"},
        status="started",
        name="recaptcha-v2",
    )


def _success(b: _Builder) -> None:
    b.add(
        5.0,
        "captcha.solve.succeeded",
        {"kind": "recaptcha-v2"},
        status="finished",
        name="recaptcha-v2",
        durationSeconds=5.0,
    )
    b.tool(0.4, "browser.fill_form", {"form": "shipping", "fields": 6}, 0.8)
    b.fetch(0.2, "POST", "/api/checkout", 200, 640)
    b.console(0.1, "log", "order 10423 placed")
    b.navigate(0.2, "/order/10423", "Order confirmed")
    b.load(0.3, "/order/10423", "Order confirmed", 870)
    b.download(0.4, "/orders/10423/invoice.pdf", 73410, "invoice-10423.pdf")
    b.add(
        0.2,
        "custom.checkpoint",
        {"orderId": "10423", "total": "89.99 EUR"},
        category="event",
        status="finished",
        name="order placed",
    )
    b.add(4.0, "agent.note", {"step": 3}, category="event", message="Task complete: order 10423")
    b.add(
        0.5,
        "runtime.lifecycle",
        {"reason": "task complete"},
        status="stopped",
        message="runtime stopped",
    )


def _failure(b: _Builder) -> None:
    b.add(
        5.0,
        "captcha.solve.failed",
        {"kind": "recaptcha-v2", "attempts": 3, "error": "challenge expired"},
        status="failed",
        name="recaptcha-v2",
        durationSeconds=5.0,
    )
    b.console(0.2, "error", "checkout blocked: captcha not solved")
    b.tool(0.5, "browser.reload", {}, 0.4)
    b.command(0.1, "Page.reload", {}, 200)
    b.fetch(0.2, "GET", "/checkout", 503, 2100)
    b.add(
        2.5,
        "agent.note",
        {"step": 3},
        category="event",
        message="Retrying checkout after captcha failure",
    )
    b.add(
        2.0,
        "page.crash",
        {"reason": "oom", "url": SHOP + "/checkout"},
        status="failed",
        message="Renderer process crashed (out of memory)",
        pageId=PAGE_ID,
    )
    b.add(
        0.3,
        "runtime.lifecycle",
        {"reason": "renderer crashed"},
        status="failed",
        message="runtime failed",
    )


def demo_run(run_id: str = "run_demo", *, failing: bool = False, speed: float = 1.0) -> Run:
    """A realistic browser-agent run lasting about 30 s at ``speed`` 1, ending ``completed``
    (or, ``failing``, with a captcha failure and a page crash, ending ``failed``)."""
    b = _Builder(run_id)
    _opening(b)
    _search_and_product(b)
    (_failure if failing else _success)(b)
    failure = None
    if failing:
        failure = {
            "code": "runtime.crashed",
            "message": "the browser renderer crashed during checkout (out of memory)",
        }
    return Run(
        run_id=run_id,
        events=b.events,
        end_status="failed" if failing else "completed",
        failure=failure,
        delays=b.delays,
        heartbeat=HEARTBEAT_SECONDS,
        speed=speed,
    )


def demo_runs(speed: float = 1.0) -> list[Run]:
    """The runs that ``--demo`` and the standalone simulator serve."""
    return [
        demo_run("run_demo", speed=speed),
        demo_run("run_demo_failed", failing=True, speed=speed),
    ]


_GENERATED_TYPES = (
    ("navigation", "started"),
    ("network.request", "started"),
    ("network.response", "received"),
    ("console.message", ""),
    ("tool.call", "finished"),
    ("connection.command.completed", "finished"),
)


def generated_run(run_id: str, events: int, *, interval: float = 0.0) -> Run:
    """A plain run of ``events`` small events (ids ``evt_000001``…), every ``interval``
    seconds (0: as fast as the connection takes them), ending ``completed``. For tests and
    benchmarks that need many runs, not for reading."""
    out: list[JSONObject] = []
    for seq in range(1, events + 1):
        event_type, status = _GENERATED_TYPES[seq % len(_GENERATED_TYPES)]
        event: JSONObject = {
            "id": f"evt_{seq:06d}",
            "runId": run_id,
            "type": event_type,
            "category": category_of_type(event_type),
            "seq": seq,
            "data": {"url": f"{SHOP}/item/{seq}", "n": seq},
        }
        if status:
            event["status"] = status
        out.append(event)
    return Run(run_id=run_id, events=out, interval=interval, heartbeat=HEARTBEAT_SECONDS)


def generated_runs(count: int, events: int, *, interval: float = 0.0) -> list[Run]:
    """``count`` generated runs, ``run_gen_001``…, each of ``events`` events."""
    width = max(3, len(str(count)))
    return [
        generated_run(f"run_gen_{n:0{width}d}", events, interval=interval)
        for n in range(1, count + 1)
    ]
