#!/usr/bin/env python3
"""Round trip of OCI artifacts through a registry with oras-py, the ORAS Python SDK, as the peer client.

Usage: oras_roundtrip.py REGISTRY_HOST:PORT WORKDIR [--referrers]

Over plain http, anonymously:
  1. pushes HOST/oras/demo:v1, an artifact with artifactType application/vnd.klein.test.report.v1, the empty
     config and two typed file layers (uploaded in 1 MiB PATCH chunks; the config with POST + PUT);
  2. pushes an SPDX SBOM by digest whose `subject` is that artifact (a referrer, as `oras attach` does);
  3. fetches both manifests by tag and by digest and checks bytes, digests, media types and artifactType,
     and lists the tags (only v1);
  4. pulls v1 back into WORKDIR/pull and byte-compares both files;
  5. with --referrers (image-spec 1.1 registries; CNCF Distribution 2.8 has no referrers API): checks the
     OCI-Subject header of the referrer's push and that GET /v2/oras/demo/referrers/<digest> lists the SBOM
     with its artifactType, size and annotations, honours ?artifactType= when it says so
     (OCI-Filters-Applied), and answers an empty index for a digest with no referrers.
Prints the digests on success; exits 1 with one line saying what differed otherwise.
"""
import argparse
import hashlib
import json
import os
import sys

try:
    import oras.defaults
    import oras.oci
    import oras.provider
except ImportError:
    sys.exit("oras_roundtrip.py: the Python module `oras` (oras-py) is missing; run scripts/test, which installs it")

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
EMPTY = "application/vnd.oci.empty.v1+json"
REPORT_TYPE = "application/vnd.klein.test.report.v1"
SBOM_TYPE = "application/spdx+json"
LAYERS = {  # file name -> layer media type
    "report.json": "application/vnd.klein.test.report.layer.v1+json",
    "data.bin": "application/vnd.klein.test.data.v1",
}


class Mismatch(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class ArtifactRegistry(oras.provider.Registry):
    """oras-py's Registry with the two things its push lacks: a manifest `artifactType`
    (image-spec 1.1) and pushing the manifest by digest instead of by tag."""

    artifact_type: str | None = None
    by_digest = False
    pushed: bytes = b""

    def upload_manifest(self, manifest, container):
        if self.artifact_type:
            manifest["artifactType"] = self.artifact_type
        if not self.by_digest:
            response = super().upload_manifest(manifest, container)
            self.pushed = response.request.body
            return response
        body = json.dumps(manifest, separators=(",", ":")).encode()
        self.pushed = body
        return self.do_request(f"{self.prefix}://{container.manifest_url(sha256(body))}", "PUT",
                               headers={"Content-Type": MANIFEST}, data=body)


def get(registry: ArtifactRegistry, path: str, accept: str = f"{MANIFEST}, {INDEX}"):
    return registry.do_request(f"{registry.prefix}://{registry.hostname}{path}", "GET", headers={"Accept": accept})


def push_artifact(registry: ArtifactRegistry, target: str, files: list[str], artifact_type: str,
                  annotations: dict, subject: "oras.oci.Subject | None" = None, by_digest: bool = False):
    registry.artifact_type = artifact_type
    registry.by_digest = by_digest
    response = registry.push(target=target, files=files, manifest_config=f"empty.json:{EMPTY}",
                             manifest_annotations=annotations, subject=subject,
                             do_chunked=True, chunk_size=1 << 20, quiet=True)
    check(response.status_code == 201, f"manifest PUT for {target}: status {response.status_code}, expected 201")
    digest = sha256(registry.pushed)
    header = response.headers.get("Docker-Content-Digest")
    check(header in (None, digest), f"manifest PUT for {target}: Docker-Content-Digest {header}, expected {digest}")
    check(bool(response.headers.get("Location")), f"manifest PUT for {target}: no Location header")
    return digest, registry.pushed, response


def fetch_manifest(registry: ArtifactRegistry, repository: str, reference: str, expected: bytes) -> dict:
    response = get(registry, f"/v2/{repository}/manifests/{reference}")
    check(response.status_code == 200, f"GET manifest {repository}:{reference}: status {response.status_code}")
    check(response.content == expected, f"GET manifest {repository}:{reference}: bytes differ from the pushed manifest")
    content_type = response.headers.get("Content-Type", "").split(";")[0]
    check(content_type == MANIFEST, f"GET manifest {repository}:{reference}: Content-Type {content_type!r}, expected {MANIFEST}")
    header = response.headers.get("Docker-Content-Digest")
    check(header in (None, sha256(expected)), f"GET manifest {repository}:{reference}: Docker-Content-Digest {header}")
    return response.json()


def check_referrers(registry: ArtifactRegistry, subject: str, sbom: str, sbom_manifest: bytes, annotations: dict) -> None:
    path = f"/v2/oras/demo/referrers/{subject}"
    response = get(registry, path, accept=INDEX)
    check(response.status_code == 200, f"GET {path}: status {response.status_code}, expected 200")
    content_type = response.headers.get("Content-Type", "").split(";")[0]
    check(content_type == INDEX, f"GET {path}: Content-Type {content_type!r}, expected {INDEX}")
    index = response.json()
    check(index.get("schemaVersion") == 2 and index.get("mediaType") == INDEX,
          f"GET {path}: not an image index: {json.dumps(index)[:300]}")
    listed = [entry for entry in index.get("manifests", []) if entry.get("digest") == sbom]
    check(len(listed) == 1, f"GET {path}: the referrer {sbom} is listed {len(listed)} times: {json.dumps(index)[:500]}")
    entry = listed[0]
    check(entry.get("artifactType") == SBOM_TYPE, f"GET {path}: artifactType {entry.get('artifactType')!r}, expected {SBOM_TYPE}")
    check(entry.get("mediaType") == MANIFEST, f"GET {path}: mediaType {entry.get('mediaType')!r}, expected {MANIFEST}")
    check(entry.get("size") == len(sbom_manifest), f"GET {path}: size {entry.get('size')}, expected {len(sbom_manifest)}")
    for key, value in annotations.items():
        check((entry.get("annotations") or {}).get(key) == value, f"GET {path}: annotation {key} missing or changed: {entry}")
    check(len(index["manifests"]) == 1, f"GET {path}: {len(index['manifests'])} referrers, expected 1")

    filtered = get(registry, f"{path}?artifactType=application/vnd.klein.test.other", accept=INDEX)
    check(filtered.status_code == 200, f"GET {path}?artifactType=...: status {filtered.status_code}")
    if "artifactType" in filtered.headers.get("OCI-Filters-Applied", ""):
        check(filtered.json().get("manifests") == [], f"GET {path}?artifactType=other: filter applied but lists {filtered.text[:300]}")
    matching = get(registry, f"{path}?artifactType={SBOM_TYPE}", accept=INDEX)
    check(matching.status_code == 200 and any(m.get("digest") == sbom for m in matching.json().get("manifests", [])),
          f"GET {path}?artifactType={SBOM_TYPE}: status {matching.status_code}, referrer not listed: {matching.text[:300]}")

    unknown = "sha256:" + "0" * 64
    empty = get(registry, f"/v2/oras/demo/referrers/{unknown}", accept=INDEX)
    check(empty.status_code == 200, f"GET referrers of a digest with none: status {empty.status_code}, expected 200 and an empty index")
    check(empty.json().get("manifests") == [], f"GET referrers of a digest with none: {empty.text[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("registry", help="HOST:PORT of a plain-http registry")
    parser.add_argument("workdir", help="scratch directory for the files pushed and pulled")
    parser.add_argument("--referrers", action="store_true", help="also check the referrers API (image-spec 1.1)")
    arguments = parser.parse_args()
    host = arguments.registry

    source = os.path.join(arguments.workdir, "push")
    os.makedirs(source, exist_ok=True)
    os.chdir(source)  # oras-py only pushes files below the working directory
    contents = {
        "report.json": json.dumps({"tool": "klein", "checks": 3, "passed": True}, indent=2).encode(),
        "data.bin": os.urandom(2_500_000),  # three PATCH chunks of 1 MiB
    }
    for name, data in contents.items():
        with open(name, "wb") as file:
            file.write(data)
    with open("empty.json", "w") as file:
        file.write("{}")
    with open("sbom.spdx.json", "w") as file:
        json.dump({"spdxVersion": "SPDX-2.3", "name": "demo", "packages": []}, file)

    registry = ArtifactRegistry(hostname=host, insecure=True)
    repository = "oras/demo"

    report_annotations = {"org.opencontainers.image.title": "klein test report"}
    digest, report_manifest, _ = push_artifact(
        registry, f"{host}/{repository}:v1", [f"{name}:{LAYERS[name]}" for name in contents], REPORT_TYPE, report_annotations)

    subject = oras.oci.Subject(mediaType=MANIFEST, digest=digest, size=len(report_manifest))
    sbom_annotations = {"org.example.sbom.format": "spdx"}
    sbom, sbom_manifest, sbom_push = push_artifact(
        registry, f"{host}/{repository}:sbom", [f"sbom.spdx.json:{SBOM_TYPE}"], SBOM_TYPE, sbom_annotations,
        subject=subject, by_digest=True)

    manifest = fetch_manifest(registry, repository, "v1", report_manifest)
    fetch_manifest(registry, repository, digest, report_manifest)
    check(manifest.get("artifactType") == REPORT_TYPE, f"manifest v1: artifactType {manifest.get('artifactType')!r}, expected {REPORT_TYPE}")
    check(manifest["config"].get("mediaType") == EMPTY, f"manifest v1: config mediaType {manifest['config'].get('mediaType')!r}")
    check([layer["mediaType"] for layer in manifest["layers"]] == list(LAYERS.values()),
          f"manifest v1: layer media types {[layer['mediaType'] for layer in manifest['layers']]}")
    via_oras = registry.get_manifest(f"{host}/{repository}:v1")
    check(via_oras.get("artifactType") == REPORT_TYPE, "oras-py get_manifest: artifactType differs")
    tags = registry.get_tags(f"{host}/{repository}")
    check(tags == ["v1"], f"oras-py get_tags: {tags}, expected ['v1'] (the referrer was pushed by digest)")
    referrer = fetch_manifest(registry, repository, sbom, sbom_manifest)
    check(referrer.get("subject", {}).get("digest") == digest, f"manifest {sbom}: subject {referrer.get('subject')}, expected {digest}")

    pulled_dir = os.path.join(arguments.workdir, "pull")
    pulled = registry.pull(target=f"{host}/{repository}:v1", outdir=pulled_dir)
    check(sorted(os.path.basename(path) for path in pulled) == sorted(contents),
          f"oras-py pull: got {sorted(os.path.basename(path) for path in pulled)}, expected {sorted(contents)}")
    for name, data in contents.items():
        with open(os.path.join(pulled_dir, name), "rb") as file:
            check(file.read() == data, f"oras-py pull: {name} differs from the pushed file")

    if arguments.referrers:
        header = sbom_push.headers.get("OCI-Subject")
        check(header == digest, f"manifest PUT of the referrer: OCI-Subject {header!r}, expected {digest}")
        check_referrers(registry, digest, sbom, sbom_manifest, sbom_annotations)

    print(f"artifact {host}/{repository}:v1 {digest}")
    print(f"referrer {host}/{repository}@{sbom}" + (" (listed by the referrers API)" if arguments.referrers else ""))


if __name__ == "__main__":
    try:
        main()
    except Mismatch as mismatch:
        sys.exit(f"oras_roundtrip.py: {mismatch}")
