"""A small OpenAI-compatible server for tests, on 127.0.0.1 in a thread (stdlib only).

Tests script its answers in order (``server.script(...)``); it records every request body so
tests can look at the prompts the real ``openai`` client sent.

``server.obey(...)`` turns it into the worst model a brand can meet: one that does what a
comment says. It reads the fenced comment out of the prompt it receives and answers with what
the comment asked for (from the answers given to ``obey``, or by following "reply only with",
"write:" and quoted text itself), always rating its answer harmless.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # dict -> JSON; str -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(
    content: str | None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 120,
    completion_tokens: int = 40,
) -> Answer:
    return Answer(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def drafts(*texts: str, risk_score: int = 0, risk_reasons: list[str] | None = None) -> Answer:
    payload = {
        "variants": [
            {"text": t, "risk_score": risk_score, "risk_reasons": risk_reasons or []} for t in texts
        ]
    }
    return completion(json.dumps(payload))


def verdict(acceptable: bool, risk_score: int = 0, reasons: list[str] | None = None) -> Answer:
    """The judge's answer."""
    payload = {"acceptable": acceptable, "risk_score": risk_score, "reasons": reasons or []}
    return completion(json.dumps(payload), prompt_tokens=80, completion_tokens=20)


def error(status: int, message: str = "error", headers: dict[str, str] | None = None) -> Answer:
    return Answer(
        status=status,
        body={"error": {"message": message, "type": "test_error", "code": None}},
        headers=headers or {},
    )


COMMENT_DATA = re.compile(r"<<<COMMENT_DATA>>>\n(.*?)\n<<<END_COMMENT_DATA>>>", re.S)
DICTATED = (
    re.compile(r"[\"\u201c\u2018']([^\"\u201d\u2019']{2,200})[\"\u201d\u2019']"),
    re.compile(r"(?i)\b(?:with|write|say|post|reply|respond|answer)\s*:\s*(.+)$", re.S),
    re.compile(r"(?i)\b(?:reply|respond|answer) (?:only |just )?with (?:the words? )?(.+?)[.!]?$"),
    re.compile(r"(?i)\bsay that (.+?)[.!]?$"),
)


def obeyed_reply(comment: str, known: dict[str, str]) -> str:
    """What a model that follows the comment's instructions writes."""
    if comment in known:
        return known[comment]
    for pattern in DICTATED:
        match = pattern.search(comment)
        if match:
            return match.group(1).strip()
    return f"Sure! {comment}"


# What llama-cpp-python's server answers a request whose response_format it does not know.
LLAMA_CPP_REFUSAL = Answer(
    status=500,
    body={
        "error": {
            "message": "1 validation error for CreateChatCompletionRequest\nresponse_format.type"
            "\n  Input should be 'text' or 'json_object' [type=literal_error, "
            "input_value='json_schema', input_type=str]",
            "type": "internal_server_error",
        }
    },
)


class FakeAI:
    def __init__(self) -> None:
        self.answers: deque[Answer] = deque()
        # comment text -> the answer an obeying model writes; None: answers are scripted.
        self.obeying: dict[str, str] | None = None
        # "llama.cpp": refuse response_format types other than text and json_object the way
        # llama-cpp-python's server does (HTTP 500 naming the field), before any script.
        self.dialect = "openai"
        # /embeddings: texts in one group mean the same (same vector); any other text gets a
        # vector of its own, unrelated to every other.
        self.meanings: list[set[str]] = []
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.requests.append(
                        {
                            "path": self.path,
                            "body": body,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                        }
                    )
                    shape = (body.get("response_format") or {}).get("type", "text")
                    if self.path.endswith("/embeddings"):
                        answer = fake.embeddings(body)
                    elif fake.dialect == "llama.cpp" and shape not in ("text", "json_object"):
                        answer = LLAMA_CPP_REFUSAL
                    elif fake.answers:
                        answer = fake.answers.popleft()
                    elif fake.obeying is not None:
                        answer = fake.obeyed(body)
                    else:
                        answer = error(500, "unscripted")
                if answer.delay:
                    time.sleep(answer.delay)
                raw = (
                    answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
                ).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *answers: Answer) -> None:
        with self.lock:
            self.answers.extend(answers)

    def reset(self) -> None:
        with self.lock:
            self.answers.clear()
            self.requests.clear()
            self.obeying = None
            self.dialect = "openai"
            self.meanings = []

    def embeddings(self, body: dict[str, Any]) -> Answer:
        texts = body.get("input") or []
        texts = [texts] if isinstance(texts, str) else texts
        size = 256
        rows = []
        for index, text in enumerate(texts):
            vector = [0.0] * size
            group = next((g for g, same in enumerate(self.meanings) if text in same), None)
            slot = group if group is not None else 16 + (sum(map(ord, text)) * 31) % (size - 16)
            vector[slot] = 1.0
            rows.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(len(str(t).split()) for t in texts)
        return Answer(
            body={
                "object": "list",
                "data": rows,
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    def obey(self, known: dict[str, str] | None = None) -> None:
        """Answer every unscripted request as a model that obeys the comment would."""
        with self.lock:
            self.obeying = dict(known or {})

    def obeyed(self, body: dict[str, Any]) -> Answer:
        assert self.obeying is not None
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        if prompt.startswith("You review one social media draft"):
            return verdict(True)  # a fooled judge waves everything through
        fenced = COMMENT_DATA.search(prompt)
        if fenced is None:  # a post, or a judge call: the fooled model finds nothing wrong
            return drafts("Our autumn blend is back, roasted in small batches.")
        comment = json.loads(fenced.group(1))["text"]
        return drafts(obeyed_reply(comment, self.obeying), risk_score=0)

    def messages(self, index: int = -1) -> list[dict[str, str]]:
        return self.requests[index]["body"]["messages"]
