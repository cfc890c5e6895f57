"""The web server starts without the machine-learning stack: importing `app` imports no torch, transformers,
evaluate or accelerate (seconds each at start; bench/README.md has the figures). They load on first use instead.

Run in a fresh interpreter, since the test process itself has imported all of them long before.
"""

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Not scipy: `datasets` imports `scipy.io` itself whenever scipy is installed (it patches `loadmat` for
# streaming), the first time the app opens a bundled sample; that costs about 40 ms.
HEAVY = ("torch", "transformers", "evaluate", "accelerate", "sklearn")


def test_importing_the_app_imports_no_torch_transformers_evaluate_or_accelerate(tmp_path):
    probe = f"import json, sys, app; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    environment = {"STUDIO_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
