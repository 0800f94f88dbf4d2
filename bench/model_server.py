"""A stand-in OpenAI-compatible model on 127.0.0.1 (stdlib only): every chat completion is
answered with valid structured output after a fixed delay, in its own thread.

The drafts are different sentences every time, so the assistant's novelty check never asks
for a regeneration and every job costs exactly one model call per request.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORDS = [
    "autumn",
    "blend",
    "roast",
    "bean",
    "cafe",
    "mountain",
    "morning",
    "espresso",
    "crema",
    "harvest",
    "valley",
    "farm",
    "cup",
    "cinnamon",
    "maple",
    "oat",
    "latte",
    "filter",
    "drip",
    "ridge",
    "summit",
    "trail",
    "cabin",
    "fire",
    "hazel",
    "cocoa",
    "berry",
    "honey",
    "citrus",
    "smoky",
    "bright",
    "velvet",
    "balanced",
    "sweet",
    "nutty",
    "floral",
    "origin",
    "washed",
    "natural",
    "kettle",
    "grinder",
    "barista",
    "pour",
    "tasting",
    "notes",
    "weekend",
    "friends",
    "neighbours",
    "window",
    "table",
]


class ModelServer:
    """``with ModelServer(latency=1.0) as server: ... server.base_url``."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.calls = 0
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with outer._lock:
                    outer.calls += 1
                    n = next(outer._counter)
                if outer.latency:
                    time.sleep(outer.latency)
                raw = json.dumps(outer.completion(n)).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @staticmethod
    def completion(n: int) -> dict[str, Any]:
        rng = random.Random(n)
        text = " ".join(rng.sample(WORDS, 14)).capitalize() + f" (no. {n})."
        content = json.dumps({"variants": [{"text": text, "risk_score": 5, "risk_reasons": []}]})
        return {
            "id": f"chatcmpl-bench-{n}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "bench-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content, "refusal": None},
                }
            ],
            "usage": {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340},
        }

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
