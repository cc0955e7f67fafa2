"""A trained model behind a small local HTTP service, for other programs to call: what the
playground answers, as JSON.

  python -m albert_core serve --model runs/spam --port 8000
  curl -s localhost:8000/predict -d '{"text": "WIN a prize, call now"}'
  curl -s localhost:8000/predict -d '{"texts": ["see you at six", "claim your prize"]}'
  curl -s localhost:8000/predict -d '{"text": "Who wrote it?", "context": "Mary Shelley wrote it."}'

GET / says what is served (model, task, labels). POST /predict takes {"text", "context"?} or
{"texts": [...], "contexts"?: [...]} and answers {"prediction": …} or {"predictions": [...]},
each what `predict --json` prints. A request that cannot be answered gets a 4xx status and
{"error": "what to change"}; the service goes on. Python's standard library serves it (one
thread per connection; one prediction at a time), on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 10 * 1024 * 1024  # bytes
MAX_TEXTS = 1024  # per request


class RequestError(ValueError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _texts(body: dict) -> tuple[list[str], list[str | None], bool]:
    """The texts (and contexts) of a request, and whether it asked for one."""
    if "texts" in body:
        texts, contexts = body["texts"], body.get("contexts")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise RequestError(400, '"texts" must be a list of strings')
        if len(texts) > MAX_TEXTS:
            raise RequestError(413, f"at most {MAX_TEXTS} texts per request; split the list")
        if contexts is None:
            contexts = [None] * len(texts)
        elif not isinstance(contexts, list) or len(contexts) != len(texts):
            raise RequestError(400, '"contexts" must be a list as long as "texts"')
        return texts, contexts, False
    text = body.get("text")
    if not isinstance(text, str):
        raise RequestError(400, 'send {"text": "..."} (qa: also "context"), or {"texts": [...]}')
    if not text.strip():
        raise RequestError(400, '"text" is empty; send the text to predict for')
    context = body.get("context")
    if context is not None and not isinstance(context, str):
        raise RequestError(400, '"context" must be a string')
    return [text], [context], True


class Service:
    """The model and what the handler needs; one prediction at a time."""

    def __init__(self, predictor, name: str):
        self.predictor, self.name = predictor, name
        self.lock = threading.Lock()

    def info(self) -> dict:
        p = self.predictor
        return {"model": self.name, "task": p.task, "labels": p.labels, "predict": "POST /predict"}

    def predict(self, body: dict) -> dict:
        texts, contexts, one = _texts(body)
        if self.predictor.task == "qa" and any(c is None for c in contexts):
            raise RequestError(400, 'a question-answering model needs the passage: send "context" with "text" '
                               '(or "contexts" with "texts")')  # fmt: skip
        with self.lock:
            out = [self.predictor.predict(t, c) for t, c in zip(texts, contexts, strict=True)]
        return {"prediction": out[0]} if one else {"predictions": out}


def make_handler(service: Service):
    class Handler(BaseHTTPRequestHandler):
        server_version = "ALBERTStudio"
        quiet = False

        def _send(self, status: int, obj: dict) -> None:
            data = json.dumps(obj).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
            if self.path in ("/", "/info"):
                self._send(200, service.info())
            else:
                self._send(404, {"error": f"no {self.path} here: GET / or POST /predict"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/predict":
                self._send(404, {"error": f"no {self.path} here: POST /predict"})
                return
            try:
                size = int(self.headers.get("Content-Length") or 0)
                if size < 0:
                    raise RequestError(400, "Content-Length is negative; send the body's length in bytes")
                if size > MAX_BODY:
                    raise RequestError(413, f"the request is over {MAX_BODY // 2**20} MB; send fewer texts")
                try:
                    body = json.loads(self.rfile.read(size) or b"null")
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    raise RequestError(400, f"the body is not JSON ({e})") from None
                if not isinstance(body, dict):
                    raise RequestError(400, 'the body must be a JSON object, e.g. {"text": "..."}')
                self._send(200, service.predict(body))
            except RequestError as e:
                self._send(e.status, {"error": str(e)})
            except (RuntimeError, ValueError) as e:  # a text the model cannot take
                self._send(422, {"error": str(e)})

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
            if not self.quiet:
                super().log_message(format, *args)

    return Handler


def make_server(model_dir: str, host: str = "127.0.0.1", port: int = 8000, fast: bool = False, predictor=None):
    """The server (not yet serving): `server.serve_forever()` runs it, `server.shutdown()` ends it.
    `predictor`: the model of `model_dir` already loaded; otherwise it is loaded here. The
    address is taken last, so an OSError from here is one of listening."""
    from .predict import load_predictor

    service = Service(predictor or load_predictor(model_dir, fast=fast), str(model_dir))
    server = ThreadingHTTPServer((host, port), make_handler(service))
    server.service = service
    return server
