#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The security scan plugins.qgis.org runs on every upload, run here on the zip's contents.

plugins.qgis.org unpacks the uploaded zip and runs bandit and detect-secrets on it; a finding blocks the
version. This builds the zip with ``scripts/plugin_zip.py`` into a scratch folder, unpacks it and runs both,
stricter than the site: every bandit test at every severity (the site runs a chosen list), and detect-secrets
with all its plugins (the site leaves metadata.txt out, so does this). A finding that is not a risk is marked
in the code with ``# nosec BXXX  # why``, the reason beside it.

    python scripts/security_scan.py          # exit 1 on any finding, with the findings listed
"""
from __future__ import annotations

import json
import os
import subprocess  # nosec B404  # a development script: runs bandit and detect-secrets, fixed arguments
import sys
import tempfile
import zipfile
from typing import List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plugin_zip  # noqa: E402 - a sibling script, not a package


def bandit_findings(folder: str) -> List[str]:
    """Every bandit finding in ``folder`` (all tests, all severities), one line each."""
    done = subprocess.run([sys.executable, "-m", "bandit", "-r", folder, "-f", "json", "-q"],  # nosec B603
                          capture_output=True, text=True)
    if not done.stdout.strip():
        raise RuntimeError(f"bandit gave no report (exit {done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    if report.get("errors"):
        raise RuntimeError(f"bandit could not scan: {report['errors']}")
    return [f"bandit {r['test_id']} ({r['issue_severity']}): {os.path.relpath(r['filename'], folder)}:"
            f"{r['line_number']}: {r['issue_text']}" for r in report["results"]]


def secret_findings(folder: str) -> List[str]:
    """Every detect-secrets finding in ``folder``, one line each (detect-secrets itself always exits 0)."""
    done = subprocess.run([sys.executable, "-m", "detect_secrets", "scan", "--all-files",  # nosec B603
                           "--exclude-files", r"metadata\.txt", "."], cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"detect-secrets failed (exit {done.returncode}): {done.stderr[-2000:]}")
    results = json.loads(done.stdout)["results"]
    return [f"detect-secrets {s['type']}: {path}:{s['line_number']}" for path, found in sorted(results.items())
            for s in found]


def scan(root: str = plugin_zip.ROOT) -> List[str]:
    """Build the zip from ``root`` into a scratch folder, unpack it, and return every finding."""
    with tempfile.TemporaryDirectory(prefix="stssl-scan-") as scratch:
        out = plugin_zip.build(os.path.join(scratch, "dist"), root=root)
        unpacked = os.path.join(scratch, "unpacked")
        with zipfile.ZipFile(out) as zf:
            zf.extractall(unpacked)
        return bandit_findings(unpacked) + secret_findings(unpacked)


def main() -> int:
    try:
        findings = scan()
    except (plugin_zip.ZipRefused, RuntimeError) as exc:
        print(f"security scan: {exc}", file=sys.stderr)
        return 1
    for line in findings:
        print(line)
    if findings:
        print(f"security scan: {len(findings)} finding(s) in the plugin zip; plugins.qgis.org would block it. "
              "Fix them, or mark a harmless one with '# nosec BXXX  # why'.", file=sys.stderr)
        return 1
    print("security scan: bandit and detect-secrets found nothing in the plugin zip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
