"""Known vulnerabilities in the installed packages (pip-audit against the PyPI advisory
data). Fails when a package has a known vulnerability. When the advisory data cannot be
reached for some or all packages, it says so plainly and names how many were not checked:
an audit that could not run is not reported as a pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
done = subprocess.run(
    [str(BIN / "pip-audit"), "--progress-spinner", "off", "--skip-editable", "--format", "json"],
    capture_output=True,
    text=True,
    timeout=600,
)
try:
    report = json.loads(done.stdout)
except json.JSONDecodeError:
    print("DEPENDENCY AUDIT NOT RUN: pip-audit gave no report (advisory database unreachable?)")
    print(done.stderr.strip()[-2000:])
    sys.exit(0)
deps = report.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if "skip_reason" in d]
checked = len(deps) - len(skipped)
for d in vulnerable:
    ids = ", ".join(v["id"] for v in d["vulns"])
    print(f"VULNERABLE: {d['name']} {d.get('version', '')}: {ids}")
if skipped:
    print(
        f"DEPENDENCY AUDIT INCOMPLETE: {len(skipped)} of {len(deps)} packages NOT CHECKED "
        f"(the advisory data could not be reached for them, e.g. {skipped[0]['skip_reason']})"
    )
print(f"dependency audit: {checked} packages checked, {len(vulnerable)} with known vulnerabilities")
sys.exit(1 if vulnerable else 0)
