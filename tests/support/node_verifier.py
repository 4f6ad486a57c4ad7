"""The independent verifier (tests/credentials_verifier/verify.mjs, Digital Bazaar's VC 2.0
libraries under Node.js): it shares no code with lms.credentials, only the vendored contexts."""

import json
import shutil
import subprocess
from pathlib import Path

from tests.support.postgres import unavailable

SCRIPT = Path(__file__).resolve().parents[1] / "credentials_verifier" / "verify.mjs"


def node_verify(credential: dict, documents: dict) -> dict:
    """{"verified": bool, "revoked": bool | None, "errors": [...]} as the Node verifier says."""
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js is not installed (apt-get install nodejs npm)")
    if not (SCRIPT.parent / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        unavailable("the Node verifier is not installed: make install-test (npm ci)")
    completed = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps({"credential": credential, "documents": documents}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)
