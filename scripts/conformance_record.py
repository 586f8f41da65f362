#!/usr/bin/env python3
"""Record conformance cases on real Mistral twice and keep only the stable recordings.

    python3 scripts/conformance_record.py --only feat_0 [--mistral http://127.0.0.1:8989/v2]
        [--recorder ../shared/mistral-anchor/conformance.py]

The selected cases of tests/conformance/cases are copied into two scratch directories, each
recorded with Mistral's recorder (conformance.py --record); a case whose two recordings agree
(ignoring `_seconds`) gets its NAME.expected.json written beside it in the repository, the others
are listed as unstable and left unrecorded. Only this script needs the shared recorder; the test
suite replays the committed recordings without it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "conformance" / "cases"
DEFAULT_RECORDER = ROOT.parent / "shared" / "mistral-anchor" / "conformance.py"


def selected(only: str) -> list[Path]:
    patterns = only.split(",")
    return [p for p in sorted(CASES.glob("*/*.yaml"))
            if any(fnmatch.fnmatch(f"{p.parent.name}/{p.stem}", pat) or pat in p.stem for pat in patterns)]


def record_into(recorder: Path, mistral: str, scratch: Path, cases: list[Path], timeout: float,
                case_timeout: float) -> None:
    for path in cases:
        target = scratch / path.parent.name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.name)
    subprocess.run([sys.executable, str(recorder), mistral, "--record", "--cases", str(scratch),
                    "--case-timeout", str(case_timeout)],
                   timeout=timeout, check=False)


def recording(scratch: Path, case: Path) -> dict | None:
    path = scratch / case.parent.name / (case.stem + ".expected.json")
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("_seconds", None)
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", required=True, help="comma list of case-name substrings or globs")
    parser.add_argument("--mistral", default="http://127.0.0.1:8989/v2")
    parser.add_argument("--recorder", type=Path, default=DEFAULT_RECORDER)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per recording pass")
    parser.add_argument("--case-timeout", type=float, default=60.0,
                        help="seconds per case (Mistral shared by several recorders is slow)")
    args = parser.parse_args()
    cases = selected(args.only)
    if not cases:
        print("no cases selected")
        return 1
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        for scratch in (Path(first), Path(second)):
            record_into(args.recorder, args.mistral, scratch, cases, args.timeout, args.case_timeout)
        unstable = []
        for case in cases:
            a, b = recording(Path(first), case), recording(Path(second), case)
            if a is None or a != b:
                unstable.append(case.stem)
                continue
            src = Path(first) / case.parent.name / (case.stem + ".expected.json")
            shutil.copy(src, case.with_name(case.stem + ".expected.json"))
    print(f"recorded {len(cases) - len(unstable)}/{len(cases)} stable")
    for stem in unstable:
        print(f"UNSTABLE {stem}")
    return 0 if not unstable else 2


if __name__ == "__main__":
    sys.exit(main())
