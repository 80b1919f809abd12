"""Compile every contract under proto/ into Python: messages, gRPC stubs and type stubs.

The one step that makes the ``casework.v1`` package, run by the local bootstrap (``./casework``)
and by the image build (deploy/docker/Dockerfile) alike, so both always carry every contract:

    python proto/generate.py [OUTPUT_ROOT]     (default: common/, beside this folder)

Needs grpcio-tools (pinned in requirements.lock). Generated files of contracts that no longer
exist are removed, so what is imported is exactly what proto/ holds.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

PROTO = Path(__file__).resolve().parent
GENERATED = ("*_pb2.py", "*_pb2.pyi", "*_pb2_grpc.py")


def generate(output: Path) -> list[Path]:
    """Compile every .proto under proto/ into ``output``; return the contracts compiled."""
    contracts = sorted(PROTO.rglob("*.proto"))
    packages = sorted({c.parent.relative_to(PROTO) for c in contracts})
    for package in packages:
        (output / package).mkdir(parents=True, exist_ok=True)
        for stale in (f for pattern in GENERATED for f in (output / package).glob(pattern)):
            stale.unlink()
    # protoc's own copy of the well-known types (google/protobuf/*.proto), as `python -m grpc_tools.protoc` adds.
    well_known = resources.files("grpc_tools") / "_proto"
    outputs = [f"--{kind}_out={output}" for kind in ("python", "grpc_python", "pyi")]
    if protoc.main(["protoc", f"-I{PROTO}", f"-I{well_known}", *outputs, *map(str, contracts)]) != 0:
        raise SystemExit("protoc failed (its message is above)")
    for package in packages:  # every level a regular package, so that setuptools ships it
        for level in [package, *package.parents[:-1]]:
            (output / level / "__init__.py").touch()
    return contracts


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else PROTO.parent / "common"
    print(f"compiled {len(generate(root))} contracts into {root}")
