import json
import subprocess
import sys

from tests.core.helpers import TINY, sentiment_rows, write_csv


def cli(*args, check=True):
    return subprocess.run([sys.executable, "-m", "albert_core", *args], capture_output=True, text=True, check=check)


def test_params_json_has_the_papers_count():
    out = json.loads(cli("params", "--preset", "base", "--task", "encoder", "--json").stdout)
    assert out["albert"]["total"] == 11_683_584
    assert out["bert"]["total"] > 8 * out["albert"]["total"]


def test_train_predict_evaluate_round_trip(tmp_path):
    data = write_csv(tmp_path / "d.csv", sentiment_rows(120))
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(TINY.to_dict()))
    run = tmp_path / "run"
    r = cli(
        "train",
        "--train",
        str(data),
        "--spec",
        str(spec),
        "--max-steps",
        "6",
        "--batch-size",
        "8",
        "--out",
        str(run),
        "--json",
    )
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert "started" in kinds and kinds[-1] == "finished"
    pred = json.loads(cli("predict", "--model", str(run), "--text", "the film was great", "--json").stdout)
    assert pred["label"] in ("neg", "pos") and abs(sum(pred["scores"].values()) - 1) < 1e-5
    metrics = json.loads(cli("evaluate", "--model", str(run / "model"), "--data", str(data), "--json").stdout)
    assert 0 <= metrics["accuracy"] <= 1 and metrics["examples"] == 120


def test_bad_input_gives_a_message_not_a_traceback(tmp_path):
    r = cli(
        "train", "--train", str(tmp_path / "nope.csv"), "--preset", "tiny", "--out", str(tmp_path / "r"), check=False
    )
    assert r.returncode != 0
    assert "nope.csv" in r.stderr and "Traceback" not in r.stderr
    r = cli("params", "--spec", str(tmp_path / "missing.json"), check=False)
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
