import json
import subprocess
import sys


def test_albert_core_imports_no_qt():
    code = (
        "import sys, json\n"
        "import albert_core.cli, albert_core.engine, albert_core.predict, albert_core.param_count\n"
        "import albert_core.tasks.classification, albert_core.runs\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', 'app', 'PyQt5', 'PyQt6')]\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
