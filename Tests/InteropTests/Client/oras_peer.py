#!/usr/bin/env python3
"""oras-py as the peer of `klein artifact`: push files as an artifact, or pull an artifact's files.

Usage: oras_peer.py push HOST:PORT/REPO:TAG WORKDIR FILE[:MEDIATYPE]...
       oras_peer.py pull HOST:PORT/REPO:TAG OUTDIR
Plain http, anonymous. Files are given relative to WORKDIR (oras titles them with the path given).
Prints the pulled file names (pull) or nothing (push); exits 1 with one line on failure.
"""
import os
import sys

try:
    import oras.provider
except ImportError:
    sys.exit("oras_peer.py: the Python module `oras` (oras-py) is missing; run scripts/test, which installs it")


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[1] not in ("push", "pull"):
        sys.exit(__doc__)
    verb, target, directory = sys.argv[1], sys.argv[2], sys.argv[3]
    registry = oras.provider.Registry(target.split("/")[0], insecure=True)
    try:
        if verb == "push":
            os.chdir(directory)
            response = registry.push(target=target, files=sys.argv[4:], disable_path_validation=True)
            if response.status_code not in (200, 201):
                sys.exit(f"oras_peer.py: manifest push answered {response.status_code}")
        else:
            for path in sorted(registry.pull(target=target, outdir=directory)):
                print(os.path.relpath(path, directory))
    except Exception as error:  # oras-py raises plain exceptions with the registry's answer
        sys.exit(f"oras_peer.py {verb} {target}: {error}")


if __name__ == "__main__":
    main()
