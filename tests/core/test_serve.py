"""`serve`: a model behind a local HTTP service answers as `predict` does, and a bad request gets
a 4xx status with what to change while the service goes on."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from albert_core.cli import main as cli_main
from albert_core.predict import load_predictor
from albert_core.serve import make_server
from tests.core.helpers import save_tiny_model


def _call(url: str, body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def serving(tmp_path):
    servers = []

    def start(arch: str):
        model = save_tiny_model(tmp_path / arch, arch)
        server = make_server(str(model), port=0)
        server.RequestHandlerClass.quiet = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        host, port = server.server_address[:2]
        return f"http://{host}:{port}", load_predictor(model)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_served_classifier_answers_as_predict_does(serving):
    url, predictor = serving("AlbertForSequenceClassification")
    status, info = _call(url + "/")
    assert status == 200 and (info["task"], info["labels"]) == ("classification", ["neg", "pos"])
    status, got = _call(url + "/predict", json.dumps({"text": "a good film"}).encode())
    alone = predictor.predict("a good film")
    assert status == 200 and got["prediction"]["label"] == alone["label"]
    assert got["prediction"]["scores"] == pytest.approx(alone["scores"], abs=1e-5)
    texts = ["a good film", "an awful play", ""]
    status, got = _call(url + "/predict", json.dumps({"texts": texts}).encode())
    assert status == 200 and [p["label"] for p in got["predictions"]] == [predictor.predict(t)["label"] for t in texts]

    for body, status in [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (json.dumps({"txt": "a"}).encode(), 400),
        (json.dumps({"texts": "a"}).encode(), 400),
        (json.dumps({"text": "  "}).encode(), 400),  # nothing to predict for, as `predict --text ""` says
        (json.dumps({"texts": ["a"] * 2000}).encode(), 413),
    ]:
        code, answer = _call(url + "/predict", body)
        assert code == status and answer["error"], body[:40]
    assert _call(url + "/elsewhere")[0] == 404
    assert _call(url + "/predict", json.dumps({"text": "still here"}).encode())[0] == 200  # it goes on


def test_a_served_question_answering_model_takes_a_context(serving):
    url, predictor = serving("AlbertForQuestionAnswering")
    body = {"text": "who wrote the book", "context": "ada wrote the book in london"}
    status, got = _call(url + "/predict", json.dumps(body).encode())
    alone = predictor.predict(body["text"], body["context"])
    assert status == 200 and [a["text"] for a in got["prediction"]["answers"]] == [a["text"] for a in alone["answers"]]
    code, answer = _call(url + "/predict", json.dumps({"text": "who wrote the book"}).encode())
    assert code == 400 and '"context"' in answer["error"]  # a question without its passage
    status, got = _call(url + "/predict", json.dumps({"text": "who?", "context": "   "}).encode())
    assert status == 200 and got["prediction"]["no_answer"] and got["prediction"]["null_score_diff"] is None


def test_a_port_in_use_is_said_plainly(serving, capsys):
    url, predictor = serving("AlbertForSequenceClassification")
    port = url.rsplit(":", 1)[1]
    assert cli_main(["serve", "--model", predictor.model_dir, "--port", port]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_model_that_cannot_be_read_is_not_called_a_port_problem(tmp_path, capsys):
    model = save_tiny_model(tmp_path / "m", "AlbertForSequenceClassification")
    (model / "config.json").unlink()
    (model / "config.json").mkdir()  # unreadable as a file, whoever runs the test
    assert cli_main(["serve", "--model", str(model), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot listen" not in err and "config.json" in err
    assert "Traceback" not in err


def test_a_port_or_host_that_cannot_be_is_said_without_a_traceback(tmp_path, capsys):
    model = save_tiny_model(tmp_path / "m", "AlbertForSequenceClassification")
    assert cli_main(["serve", "--model", str(model), "--port", "99999"]) == 2
    err = capsys.readouterr().err
    assert "--port 99999 is not a port" in err and "Traceback" not in err
    assert cli_main(["serve", "--model", str(model), "--port", "0", "--host", "nosuchhost.invalid"]) == 2
    err = capsys.readouterr().err
    assert "give --host an address of this machine" in err and "--port" not in err
