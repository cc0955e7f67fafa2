"""Pre-training speed with the batches masked in the training loop against masked ahead in
worker processes (`train --data-workers`), on the benchmark corpus of pretrain_sst2.py.

Masking a batch is Python work: on a GPU the training loop waits for it. Both runs are the real
command line with the same settings and seed, so they train on the very same batches; only
`--data-workers` differs. Throughput is the mean of the step events of the second half of each
run (CUDA graphs are captured early). Prints one JSON object with the ratio.

    python bench/pretrain_workers.py --preset small --steps 1500 --batch-size 128 \\
        --cuda-graphs --precision bf16 --threads 4
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pretrain_sst2 import DEFAULT_DATA, Launch, build_corpus, report  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "albert-bench-pretrain-workers")
    p.add_argument("--preset", default="small")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--workers", default="0,-1", help="the --data-workers values to compare (-1: automatic)")
    p.add_argument("--cuda-graphs", action="store_true")
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="auto")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", type=Path)
    a = p.parse_args(argv)
    if not (a.data / "lm").is_dir() or not (a.data / "sst2" / "train.tsv").exists():
        print(json.dumps({"skipped": f"no shared data at {a.data} (needs sst2/ and lm/); pass --data"}))
        return 0
    a.work.mkdir(parents=True, exist_ok=True)
    build_corpus(a.data, a.work / "corpus")
    results = {}
    for w in [int(x) for x in a.workers.split(",")]:
        run = a.work / f"workers{w}"
        args = ["--task", "pretrain", "--train", str(a.work / "corpus"), "--preset", a.preset, "--vocab-size", "8000"]
        args += ["--max-steps", str(a.steps), "--lr", "1e-3", "--batch-size", str(a.batch_size)]
        args += ["--max-length", str(a.max_length), "--log-every", "50", "--eval-every", str(a.steps)]
        args += ["--option", f"cache_dir={a.work / 'cache'}", "--device", a.device, "--precision", a.precision]
        args += ["--data-workers", str(w)] + (["--cuda-graphs"] if a.cuda_graphs else [])
        args += ["--threads", str(a.threads)] if a.threads else []
        r = Launch(args, run, keep=False).result()
        late = [e for e in r["events"] if e["event"] == "step"]
        late = late[len(late) // 2 :]
        rate = sum(e["samples_per_s"] for e in late) / len(late)
        logs = [e["message"] for e in r["events"] if e["event"] == "log" and "worker processes" in e["message"]]
        results[f"data_workers={w}"] = {
            "samples_per_s": round(rate, 1),
            "ms_per_step": round(1000 * a.batch_size / rate, 2),
            "wall_s": round(r["wall_s"], 1),
            "cpu_s": r["cpu_s"],
            "mlm_accuracy": r["finished"]["metrics"].get("mlm_accuracy"),
            "workers_log": logs,
        }
        print(w, results[f"data_workers={w}"], file=sys.stderr, flush=True)
        device = r["started"]["device"]
    names = list(results)
    out = {
        "benchmark": "pretrain_workers",
        "machine": {"python": platform.python_version(), "device": device},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
        "results": results,
        "ratio": round(results[names[-1]]["samples_per_s"] / results[names[0]]["samples_per_s"], 2),
        "ratio_of": f"{names[-1]} / {names[0]}",
    }
    return report(out, a.out)


if __name__ == "__main__":
    sys.exit(main())
